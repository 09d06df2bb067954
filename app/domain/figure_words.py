"""The words around a figure, per language: how sources hedge it ("nearly", "mehr als",
"свыше", "щонайменше"), join a range ("between … and", "от … до", "70 or 80,000"), and what
after a number shows it is no head count ("percent", "years", "dollars").

Each entry is a phrase as written; figure_grammar matches it token by token, longest first.
"""

from __future__ import annotations

from app.i18n import N_

# Qualifier words before a figure. "about_below" words ("nearly", "knapp", "почти") say the
# count is just below the number: they read as 'about' (the number is what the source gives,
# and Reckon's 'fewer than' would lose that it is close), and the reading's note says
# 'fewer than' is the alternative.
QUALIFIER_WORDS: dict[str, tuple[str, ...]] = {
    "about": (
        "about", "approximately", "approx.", "approx", "around", "roughly", "some", "circa",
        "ca.", "ca", "c.", "~", "≈", "an estimated", "estimated", "in the vicinity of",
        "in the region of", "on the order of", "something like", "some estimated",
        "etwa", "rund", "ungefähr", "ungefaehr", "zirka", "schätzungsweise", "geschätzt",
        "geschätzte", "geschätzten", "gut", "gute", "guten", "in etwa",
        "около", "примерно", "приблизительно", "порядка", "где-то", "ориентировочно",
        "приблизно", "близько", "орієнтовно", "десь", "порядку",
    ),
    "about_below": (
        "nearly", "almost", "close to", "just shy of", "knapp", "fast", "beinahe", "nahezu",
        "annähernd", "почти", "почти что", "едва ли не", "майже", "ледь не",
    ),
    "at_least": (
        "at least", "no fewer than", "no less than", "not less than", "a minimum of", "≥",
        ">=", "mindestens", "wenigstens", "zumindest", "nicht weniger als",
        "не менее", "не меньше", "не менее чем", "как минимум", "минимум", "по меньшей мере",
        "щонайменше", "не менше", "не менше ніж", "не менш ніж", "принаймні", "мінімум",
    ),
    "more_than": (
        "more than", "over", "in excess of", "upwards of", "well over", "well above",
        "just over", "above", "a bit more than", "a little more than", "slightly more than",
        "somewhat more than", "well in excess of", "far more than", "many more than", ">",
        "mehr als", "über", "ueber", "gut über", "weit über", "knapp über", "deutlich über",
        "etwas mehr als", "deutlich mehr als", "weit mehr als", "gut mehr als",
        "более", "больше", "свыше", "более чем", "больше чем", "чуть более", "чуть больше",
        "немногим более", "значительно более", "гораздо больше", "далеко за",
        "понад", "більше", "більше ніж", "більш ніж", "трохи більше", "трохи більше ніж",
        "значно більше", "значно більше ніж", "набагато більше",
    ),
    "up_to": (
        "up to", "as many as", "at most", "no more than", "≤", "<=",
        "bis zu", "höchstens", "hoechstens", "maximal", "nicht mehr als",
        "до", "не более", "не больше", "не более чем", "максимум",
        "не більше", "не більше ніж", "щонайбільше",
    ),
    "fewer_than": (
        "fewer than", "less than", "under", "below", "just under", "just below",
        "slightly fewer than", "slightly less than", "<",
        "weniger als", "unter", "knapp unter", "knapp weniger als",
        "менее", "меньше", "менее чем", "меньше чем", "чуть менее", "чуть меньше",
        "менше", "менше ніж", "менш ніж", "трохи менше",
    ),
}  # fmt: skip

# Words whose reading is a choice an editor should see in the preview.
_A_GOOD = N_("'%(word)s' (a good …) reads as about %(n)s; record 'more than %(n)s' instead "
             "if the source stresses that the count is above.")
CHOICE_NOTES: dict[str, str] = {
    "about_below": N_("'%(word)s' reads as about %(n)s: the source gives %(n)s and says the "
                      "count is close to it; record 'fewer than %(n)s' instead if it stresses "
                      "that the count is below."),
    "gut": _A_GOOD, "gute": _A_GOOD, "guten": _A_GOOD,
    "до": N_("'%(word)s' reads as up to %(n)s (a cap); it may also mean 'before' a date."),
}

# A range opened by a word, and the words that may join its two ends.
RANGE_INTROS: dict[str, tuple[str, ...]] = {
    "between": ("and", "-", "–", "—"),
    "from": ("to", "-", "–", "—"),
    "zwischen": ("und", "-", "–", "—"),
    "von": ("bis", "-", "–", "—"),
    "от": ("до", "-", "–", "—"),
    "від": ("до", "-", "–", "—"),
}
# Words that join two numbers into a range without an opening word ("70 or 80,000").
RANGE_JOINERS = frozenset({"-", "–", "—", "to", "bis", "or", "oder", "или", "або", "чи"})

# After a figure: an open end.
SUFFIXES: dict[str, str] = {
    "+": "at_least", "or more": "at_least", "oder mehr": "at_least", "und mehr": "at_least",
    "или более": "at_least", "и более": "at_least", "и больше": "at_least",
    "або більше": "at_least", "і більше": "at_least", "та більше": "at_least",
    "й більше": "at_least", "or fewer": "up_to", "or less": "up_to",
    "-plus": "more_than", "plus": "more_than",
}  # fmt: skip

# Words that may not start the noun after a figure: what follows them is no noun of it.
FUNCTION_WORDS = frozenset({
    "of", "and", "or", "to", "in", "on", "at", "for", "from", "by", "with", "per", "than",
    "out", "von", "und", "oder", "bis", "im", "am", "aus", "mit", "für", "pro", "als", "zu",
    "из", "и", "или", "в", "на", "до", "от", "с", "по", "з", "із", "і", "й", "та", "або",
    "у", "від", "за", "чем", "ніж",
})  # fmt: skip

# Words after a number that make it something other than a head count, with what it is.
NOT_A_COUNT: dict[str, str] = {
    **dict.fromkeys(("%", "percent", "per", "percentage", "prozent", "procent", "процент",
                     "процента", "процентов", "проц", "відсоток", "відсотки", "відсотків",
                     "відс", "‰"), N_("a percentage")),
    **dict.fromkeys(("years", "year", "yr", "yrs", "jahre", "jahren", "jahr", "jährige",
                     "jährigen", "jähriger", "лет", "года", "год", "году", "г", "років",
                     "роки", "рік", "року", "році", "р", "year-old", "years-old"),
                    N_("a year or an age")),
    **dict.fromkeys(("dollars", "dollar", "usd", "eur", "euro", "euros", "pounds", "gbp",
                     "рублей", "рубля", "рубль", "руб", "долларов", "доллара", "доларів",
                     "долара", "гривень", "гривні", "грн", "евро", "євро", "won"),
                    N_("money")),
    **dict.fromkeys(("times", "mal", "раз", "раза", "разів", "рази", "fold", "fache"),
                    N_("a ratio")),
    **dict.fromkeys(("uhr", "o'clock", "pm", "час", "часов", "години",
                     "годин", "hours", "hour", "minutes", "min"), N_("a time or duration")),
    **dict.fromkeys(("km", "kilometres", "kilometers", "miles", "kilometer", "километров",
                     "км", "кілометрів", "metres", "meters", "m2", "square"), N_("a distance")),
    **dict.fromkeys(("st", "nd", "rd", "th", "й", "я", "го", "е", "ї", "ий", "ого", "ше",
                     "ter", "te", "ten"), N_("an ordinal")),
    **dict.fromkeys(("days", "day", "tage", "tagen", "weeks", "months", "дней", "дня",
                     "днів", "дні", "недель", "тижнів", "месяцев", "місяців", "monate",
                     "wochen"), N_("a duration")),
}  # fmt: skip

MONEY_SIGNS = frozenset({"$", "€", "£", "₽", "₴", "¥", "₩"})

# Words before a number that make it a year, an age or a date.
BEFORE_NOT_A_COUNT: dict[str, str] = {
    **dict.fromkeys(("aged", "age", "ages", "alter", "alters", "возрасте", "віці"), N_("an age")),
    **dict.fromkeys(("no", "nr", "number", "nummer", "№", "#", "page", "seite", "article",
                     "artikel", "статья", "стаття", "п"), N_("a number in a list")),
}  # fmt: skip

YEAR_WORDS_BEFORE = frozenset({
    "in", "im", "since", "seit", "until", "till", "by", "year", "jahr", "jahres", "of",
    "в", "во", "с", "до", "у", "з", "від", "от", "к", "року", "год", "early",
    "late", "mid", "spring", "summer", "autumn", "fall", "winter", "frühjahr", "sommer",
    "herbst", "anfang", "ende", "mitte", "начале", "конце", "середине", "на",
    "початку", "кінці", "середині",
})  # fmt: skip
YEAR_WORDS_AFTER = frozenset({"году", "года", "год", "г", "році", "року", "рік", "р"})

MONTHS = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec",
    "januar", "jänner", "februar", "märz", "mai", "juni", "juli", "oktober", "dezember",
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
    "октября", "ноября", "декабря", "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
    "січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня",
    "вересня", "жовтня", "листопада", "грудня", "січень", "лютий", "березень", "квітень",
    "травень", "червень", "липень", "серпень", "вересень", "жовтень", "листопад", "грудень",
})  # fmt: skip
