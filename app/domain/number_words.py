"""The words news use for numbers, in English, German, Russian and Ukrainian: scale words
("thousand", "Mio.", "тысяч", "тис."), number words ("five thousand", "zweitausend",
"пять тысяч") and vague amounts ("tens of thousands", "Zehntausende", "десятки тысяч").

English and German number words are read by text2num; Russian and Ukrainian ones, which
news rarely spell out beyond "one" or "two thousand", by a small table here. Anything these
do not know is left unread, never guessed.
"""

from __future__ import annotations

from text_to_num import text2num

from app.domain.errors import FigureError
from app.domain.numbers import quote
from app.i18n import gettext

LANGS = ("en", "de", "ru", "uk")

# Scale words after a number ("12 thousand", "1,2 млн"). The value is the multiplier.
SCALES: dict[str, int] = {
    "k": 10**3, "thousand": 10**3, "thousands": 10**3,
    "tausend": 10**3, "tsd": 10**3,
    "тысяча": 10**3, "тысячи": 10**3, "тысяч": 10**3, "тыс": 10**3,
    "тисяча": 10**3, "тисячі": 10**3, "тисяч": 10**3, "тис": 10**3,
    "million": 10**6, "millions": 10**6, "millionen": 10**6, "mn": 10**6, "mio": 10**6,
    "миллион": 10**6, "миллиона": 10**6, "миллионов": 10**6, "млн": 10**6,
    "мільйон": 10**6, "мільйона": 10**6, "мільйони": 10**6, "мільйонів": 10**6,
    # "Billion" is 10**12 in German, but head counts never reach that range.
    "billion": 10**9, "billions": 10**9, "bn": 10**9,
    "milliarde": 10**9, "milliarden": 10**9, "mrd": 10**9,
    "миллиард": 10**9, "миллиарда": 10**9, "миллиардов": 10**9, "млрд": 10**9,
    "мільярд": 10**9, "мільярда": 10**9, "мільярди": 10**9, "мільярдів": 10**9,
}  # fmt: skip

# "hundred" only scales a whole number ("15-hundred", "12 hundred").
HUNDREDS = frozenset({"hundred", "hundert"})

# A bare "m" could be million or (in some style guides) thousand: refused by name.
AMBIGUOUS_SCALES = frozenset({"m"})

# Abbreviations that may carry a full stop ("3 Mio.", "12 тыс.").
ABBREVIATIONS = frozenset({"tsd", "mio", "mrd", "mn", "bn", "тыс", "тис", "млн", "млрд"})

SCALE_LANG: dict[str, str] = {
    **{w: "de" for w in ("tausend", "tsd", "millionen", "mio", "milliarde", "milliarden", "mrd")},
    **{w: "ru" for w in SCALES if w.startswith(("тыс", "милл"))},
    **{w: "uk" for w in SCALES if w.startswith(("тис", "міль"))},
}

# "a thousand", "eine Million", "одна тысяча": the article or "one" before a scale word.
ONE_WORDS = frozenset({"a", "an", "one", "ein", "eine", "einer", "einem", "einen", "одна",
                       "один", "одну"})
HALF_WORDS = frozenset({"half", "halbe", "halben"})

_RU_UK_SMALL: dict[str, int] = {
    "один": 1, "одна": 1, "одно": 1, "одне": 1, "два": 2, "две": 2, "дві": 2, "три": 3,
    "четыре": 4, "чотири": 4, "пять": 5, "п'ять": 5, "шесть": 6, "шість": 6, "семь": 7,
    "сім": 7, "восемь": 8, "вісім": 8, "девять": 9, "дев'ять": 9, "десять": 10,
    "одиннадцать": 11, "одинадцять": 11, "двенадцать": 12, "дванадцять": 12,
    "тринадцать": 13, "тринадцять": 13, "четырнадцать": 14, "чотирнадцять": 14,
    "пятнадцать": 15, "п'ятнадцять": 15, "шестнадцать": 16, "шістнадцять": 16,
    "семнадцать": 17, "сімнадцять": 17, "восемнадцать": 18, "вісімнадцять": 18,
    "девятнадцать": 19, "дев'ятнадцять": 19,
}
_RU_UK_TENS: dict[str, int] = {
    "двадцать": 20, "двадцять": 20, "тридцать": 30, "тридцять": 30, "сорок": 40,
    "пятьдесят": 50, "п'ятдесят": 50, "шестьдесят": 60, "шістдесят": 60,
    "семьдесят": 70, "сімдесят": 70, "восемьдесят": 80, "вісімдесят": 80,
    "девяносто": 90, "дев'яносто": 90,
}
_RU_UK_HUNDREDS: dict[str, int] = {
    "сто": 100, "двести": 200, "двісті": 200, "триста": 300, "четыреста": 400,
    "чотириста": 400, "пятьсот": 500, "п'ятсот": 500, "шестьсот": 600, "шістсот": 600,
    "семьсот": 700, "сімсот": 700, "восемьсот": 800, "вісімсот": 800,
    "девятьсот": 900, "дев'ятсот": 900,
}

_EN_WORDS = frozenset({
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
    "eighty", "ninety", "hundred", "thousand", "million", "billion",
})  # fmt: skip
_DE_MORPHEMES = (
    "null", "eins", "ein", "eine", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht",
    "neun", "zehn", "elf", "zwölf", "sech", "sieb", "zig", "ßig", "und", "hundert", "tausend",
    "zwan", "dreißig",
)
_DE_SCALE_WORDS = frozenset({"million", "millionen", "milliarde", "milliarden"})


def _is_german_number_word(word: str) -> bool:
    rest = word
    while rest:
        for morpheme in sorted(_DE_MORPHEMES, key=len, reverse=True):
            if rest.startswith(morpheme):
                rest = rest[len(morpheme):]
                break
        else:
            return False
    return True


def is_number_word(word: str, lang: str | None) -> bool:
    """Whether a lowercased word can be part of a spelled-out number in this language."""
    if lang in (None, "en") and word in _EN_WORDS:
        return True
    if lang in (None, "de") and (word in _DE_SCALE_WORDS or _is_german_number_word(word)):
        return True
    if lang in (None, "ru", "uk"):
        return word in _RU_UK_SMALL or word in _RU_UK_TENS or word in _RU_UK_HUNDREDS
    return False


def _ru_uk_value(words: list[str]) -> int | None:
    """"двести пятьдесят" → 250: hundreds, tens, units, each at most once and in that order."""
    total, last_rank = 0, 4
    for word in words:
        ranked = [(table[word], rank) for table, rank in
                  ((_RU_UK_HUNDREDS, 3), (_RU_UK_TENS, 2), (_RU_UK_SMALL, 1)) if word in table]
        if not ranked:
            return None
        value, rank = ranked[0]
        if rank >= last_rank or (rank == 1 and last_rank == 2 and value >= 10):
            return None
        total, last_rank = total + value, rank
    return total


def words_value(words: list[str], lang: str | None) -> int | None:
    """The value of a run of spelled-out number words, or None if it is not a well-formed
    number in any language allowed."""
    if not words:
        return None
    text = " ".join(words)
    for code in ("en", "de") if lang is None else (lang,):
        if code in ("en", "de"):
            try:
                value = text2num(text, code)
            except ValueError:
                continue
            return int(value)
        found = _ru_uk_value(words)
        if found is not None:
            return found
    if lang is None:
        return _ru_uk_value(words)
    return None


# Vague amounts: refused, with the floor an editor could record instead.
VAGUE: dict[str, str] = {
    "tens of thousands": "more than 10,000", "hundreds of thousands": "more than 100,000",
    "thousands of": "more than 1,000", "hundreds of": "more than 100",
    "thousands": "more than 1,000", "hundreds": "more than 100", "dozens of": "more than 12",
    "dozens": "more than 12", "scores of": "more than 20", "several thousand": "more than 1,000",
    "several hundred": "more than 100", "a few thousand": "more than 1,000",
    "a few hundred": "more than 100", "millions of": "more than 1,000,000",
    "zehntausende": "mehr als 10.000", "hunderttausende": "mehr als 100.000",
    "tausende": "mehr als 1.000", "hunderte": "mehr als 100", "dutzende": "mehr als 12",
    "mehrere tausend": "mehr als 1.000", "mehrere hundert": "mehr als 100",
    "einige tausend": "mehr als 1.000", "einige hundert": "mehr als 100",
    "десятки тысяч": "более 10 000", "сотни тысяч": "более 100 000",
    "тысячи": "более 1000", "сотни": "более 100", "десятки": "более 10",
    "несколько тысяч": "более 1000", "несколько сотен": "более 100",
    "десятки тисяч": "понад 10 000", "сотні тисяч": "понад 100 000",
    "тисячі": "понад 1000", "сотні": "понад 100",
    "кілька тисяч": "понад 1000", "кілька сотень": "понад 100",
}  # fmt: skip


def vague_error(phrase: str, floor: str, original: str) -> FigureError:
    return FigureError(gettext(
        "Could not read %(text)s as a figure: %(phrase)s is vague, not a number. Record a "
        "floor such as %(floor)s if the source supports it.", text=quote(original),
        phrase=quote(phrase), floor=quote(floor)))

