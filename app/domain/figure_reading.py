"""Reading a figure as an editor typed it (read_figure) and finding the figures in a sentence
of an article (find_figures), with the words that decided each reading.

Both use figure_grammar; what it cannot read is refused with the phrase named, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.domain.errors import FigureError
from app.domain.figure_grammar import FIGURE_HELP, Grammar, Parsed
from app.domain.figure_tokens import Tok, tokenize
from app.domain.figure_words import (
    BEFORE_NOT_A_COUNT,
    CHOICE_NOTES,
    FUNCTION_WORDS,
    MONEY_SIGNS,
    MONTHS,
    NOT_A_COUNT,
    YEAR_WORDS_AFTER,
    YEAR_WORDS_BEFORE,
)
from app.domain.number_words import LANGS, SCALES, VAGUE, is_number_word, vague_error
from app.domain.numbers import MAX_INPUT_CHARS, format_number, normalise, quote
from app.domain.vocabulary import Qualifier
from app.i18n import gettext

_VAGUE = sorted(VAGUE.items(), key=lambda item: len(item[0]), reverse=True)


@dataclass(frozen=True)
class Figure:
    low: int | None
    high: int | None
    qualifier: str  # a Qualifier value
    best: int | None = None


@dataclass(frozen=True)
class Reading:
    """A figure read from text, the words that decided it, and a sentence for the preview."""

    figure: Figure
    decided_by: list[str] = field(default_factory=list)
    note: str = ""

    def as_json(self) -> dict[str, object]:
        """The reading as `reckon parse` and GET /api/figures/parse answer it: low, high,
        best and qualifier as the API's estimates give them."""
        f = self.figure
        return {"low": f.low, "high": f.high, "best": f.best, "qualifier": f.qualifier,
                "decided_by": list(self.decided_by), "note": self.note}


@dataclass(frozen=True)
class Found:
    """A figure found in a sentence: its place (character offsets), text and reading, and the
    noun right after it (lowercased; "" if none)."""

    start: int
    end: int
    text: str
    reading: Reading
    noun: str = ""


def _shown(figure: Figure) -> str:
    label = Qualifier(figure.qualifier).label
    if figure.low is None:
        return f"{label} {format_number(figure.high or 0)}"
    if figure.high is None:
        return f"{label} {format_number(figure.low)}"
    text = format_number(figure.low)
    if figure.high != figure.low:
        text += f"–{format_number(figure.high)}"
    return text if figure.qualifier in ("exact", "between") else f"{label} {text}"


def _reading(parsed: Parsed, decided: list[str]) -> Reading:
    figure = Figure(parsed.low, parsed.high, parsed.qualifier)
    shown = _shown(figure)
    number = format_number(parsed.low if parsed.low is not None else parsed.high or 0)
    notes = [gettext("Reads as %(figure)s.", figure=shown)]
    choice = CHOICE_NOTES.get(parsed.kind) or CHOICE_NOTES.get(parsed.word.lower())
    if choice:
        notes.append(gettext(choice, word=parsed.word, n=number))
    return Reading(figure, decided, " ".join(notes))


def _check_lang(lang: str | None) -> None:
    if lang is not None and lang not in LANGS:
        raise FigureError(gettext("Unknown language %(lang)s: use one of %(langs)s.",
                                  lang=quote(lang), langs=", ".join(LANGS)))


def _not_a_count(toks: list[Tok], text: str) -> None:
    """Refuse, by name, a number that is money, a year, an age or a percentage."""
    first = toks[0].low
    rest = [t for t in toks[1:3] if t.text != "."]
    if not rest or rest[0].kind != "num":
        return
    what = ("money" if first in MONEY_SIGNS or NOT_A_COUNT.get(first) == "money"
            else BEFORE_NOT_A_COUNT.get(first))
    if what is None and first in YEAR_WORDS_BEFORE and _is_year(rest[0]):
        what = "a year"
    if what:
        raise FigureError(gettext("Could not read %(text)s as a figure: it reads as "
                                  "%(what)s, not a head count.", text=quote(text),
                                  what=gettext(what)))


def _is_year(tok: Tok) -> bool:
    return tok.kind == "num" and tok.text.isdigit() and len(tok.text) == 4 and (
        1900 <= int(tok.text) <= 2100)


def read_figure(text: str, lang: str | None = None) -> Reading:
    """Read the figure an editor typed or a source wrote ("nearly 600,000", "от 10 до 12
    тысяч", "mehr als 45.000 Soldaten"); raise FigureError naming what could not be read."""
    _check_lang(lang)
    cleaned = normalise(text)
    if not cleaned:
        raise FigureError(gettext("Enter a figure: %(help)s", help=gettext(FIGURE_HELP)))
    if len(cleaned) > MAX_INPUT_CHARS:
        raise FigureError(gettext("Could not read %(text)s as a figure: it is too long.",
                                  text=quote(cleaned)))
    lowered = cleaned.lower()
    for phrase, floor in _VAGUE:
        hit = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", lowered)
        if hit and not re.search(r"[0-9]", lowered[: hit.start()]):
            raise vague_error(cleaned[hit.start() : hit.end()], floor, cleaned)
    toks = tokenize(cleaned)
    _not_a_count(toks, cleaned)
    grammar = Grammar(cleaned, toks, lang)
    parsed = grammar.figure(0)
    if parsed is None:
        raise _unread(cleaned, toks, grammar.furthest)
    decided = list(parsed.decided)
    tail = toks[parsed.end :]
    if tail:
        noun = _noun_tail(grammar, parsed.end)
        if noun is None:
            rest = cleaned[tail[0].start :]
            what = NOT_A_COUNT.get(tail[0].low)
            if what:
                raise FigureError(gettext(
                    "Could not read %(text)s as a figure: it reads as %(what)s, not a head "
                    "count.", text=quote(cleaned), what=gettext(what)))
            raise FigureError(gettext(
                "Could not read %(text)s as a figure: %(rest)s after %(figure)s is not part "
                "of a figure, nor the noun it counts; %(help)s", text=quote(cleaned),
                rest=quote(rest), figure=quote(grammar.span(0, parsed.end)),
                help=gettext(FIGURE_HELP)))
        decided.append(gettext("'%(noun)s' is what is counted, not part of the figure",
                               noun=noun))
    return _reading(parsed, decided)


def _unread(cleaned: str, toks: list[Tok], furthest: int) -> FigureError:
    """The refusal of a text the grammar could not read, naming where it stopped."""
    help_text = gettext(FIGURE_HELP)
    if furthest >= len(toks) and furthest > 0:
        return FigureError(gettext(
            "Could not read %(text)s as a figure: it stops after %(last)s, where a number "
            "should follow; %(help)s", text=quote(cleaned), last=quote(toks[-1].text),
            help=help_text))
    rest = cleaned[toks[furthest].start :] if toks else cleaned
    if furthest == 0 or rest == cleaned:
        return FigureError(gettext("Could not read %(text)s as a figure: %(help)s",
                                   text=quote(cleaned), help=help_text))
    return FigureError(gettext(
        "Could not read %(text)s as a figure: %(rest)s is not part of a figure; %(help)s",
        text=quote(cleaned), rest=quote(rest), help=help_text))


def _noun_tail(grammar: Grammar, end: int) -> str | None:
    """The noun after a figure ("soldiers", "Soldaten", "військових"), or None if what follows
    is not just a noun of up to four words."""
    toks = grammar.toks[end:]
    if not grammar.gap(end) or len(toks) > 7:
        return None
    words = [t for t in toks if t.kind == "word"]
    for k, tok in enumerate(toks):
        if tok.kind == "word":
            continue
        joined = tok.text == "-" and 0 < k < len(toks) - 1 and toks[k + 1].kind == "word"
        if not (joined or (tok.text in ".,;:" and k == len(toks) - 1)):
            return None
    if not words or len(words) > 4 or words[0].low in FUNCTION_WORDS:
        return None
    if any(w.low in NOT_A_COUNT or w.low in SCALES or is_number_word(w.low, grammar.lang)
           for w in words):
        return None
    return grammar.text[toks[0].start : toks[-1].end].rstrip(".,;:")


# --------------------------------------------------------------------------------------------
# Finding figures in a sentence
# --------------------------------------------------------------------------------------------


def find_figures(sentence: str, lang: str | None) -> list[Found]:
    """Every figure in a sentence of an article, left to right, skipping numbers that are no
    head count: years, dates, ages, ordinals, times, percentages, money, phone numbers."""
    _check_lang(lang)
    toks = tokenize(sentence[: MAX_INPUT_CHARS * 50])
    grammar = Grammar(sentence, toks, lang)
    found: list[Found] = []
    i = 0
    while i < len(toks):
        try:
            parsed = grammar.figure(i) if _may_start(grammar, i) else None
        except FigureError:
            parsed = None
        if parsed is None or _skipped(grammar, parsed):
            i = _after_compound(grammar, parsed.end - 1 if parsed else i)
            continue
        first, last = toks[parsed.start], toks[parsed.end - 1]
        noun = grammar.low(parsed.end) if grammar.toks[parsed.end:parsed.end + 1] and (
            toks[parsed.end].kind == "word" and grammar.gap(parsed.end)
            and grammar.low(parsed.end) not in FUNCTION_WORDS) else ""
        text = sentence[first.start : last.end]
        found.append(Found(first.start, last.end, text, _reading(parsed, parsed.decided), noun))
        i = parsed.end
    return found


def _may_start(grammar: Grammar, i: int) -> bool:
    tok = grammar.toks[i]
    if i > 0 and not grammar.gap(i) and grammar.toks[i - 1].kind != "sym":
        return False  # inside a word or a code: "A320", "x2"
    return tok.kind == "num" or tok.kind == "word" or tok.text in "~≈<>≥≤"


def _after_compound(grammar: Grammar, i: int) -> int:
    """The token after the run of unspaced tokens at i ("2025-01-13", "10:30", "+49-30")."""
    i += 1
    while i < len(grammar.toks) and not grammar.gap(i):
        i += 1
    return i


def _skipped(grammar: Grammar, parsed: Parsed) -> bool:
    toks, start, end = grammar.toks, parsed.start, parsed.end
    before, after = grammar.low(start - 1), grammar.low(end)
    nums = parsed.quantities
    if end < len(toks) and not grammar.gap(end) and (
        toks[end].kind in ("word", "num") or (after in ":/-" and (
            grammar.low(end + 1)[:1].isalnum()))
        or (after == "." and grammar.lang == "de" and end + 1 < len(toks)
            and toks[end - 1].text.isdigit() and len(toks[end - 1].text) <= 3)
    ):
        return True  # "1st", "25-year-old", "2-й", "10:30", "13/01", German ordinal "3."
    if before in MONEY_SIGNS or NOT_A_COUNT.get(before) == "money" or after == "%":
        return True
    if before in BEFORE_NOT_A_COUNT or NOT_A_COUNT.get(after) is not None:
        return True
    if grammar.low(end + 1) in NOT_A_COUNT and after in ("-",):
        return True
    if before in MONTHS or after in MONTHS or (after == "." and grammar.low(end + 1) in MONTHS):
        return True
    if before == "+" or any(q.src.startswith("0") and len(q.src) > 1 for q in nums):
        return True  # phone numbers, codes
    if (start > 0 and toks[start - 1].kind == "num" and toks[start].kind == "num") or (
            end < len(toks) and toks[end].kind == "num"):
        return True  # a run of numbers: "+49 30 1234567"
    if after in ("of", "из", "з", "із", "von") and grammar.low(end + 1)[:1].isdigit():
        return True  # "3 of 10"
    if before in ("of", "из", "з", "із", "von") and grammar.low(start - 2)[:1].isdigit():
        return True
    if all(_is_year(toks[q.start]) and q.end == q.start + 1 for q in nums) and (
        parsed.word.lower() in ("", "до") and (
            before in YEAR_WORDS_BEFORE or after in YEAR_WORDS_AFTER
            or end >= len(toks) or toks[end].kind != "word"
            or after in FUNCTION_WORDS or len(nums) == 2)):
        return True  # "in 2019", "2019 года", "from 2019 to 2023", a year standing alone
    # "one", "ein": mostly a pronoun or an article
    return len(nums) == 1 and nums[0].scale is None and parsed.kind == "" and (
        toks[start].kind == "word" and nums[0].value == 1)
