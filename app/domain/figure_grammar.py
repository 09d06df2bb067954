"""The grammar of a figure as news write it: [qualifier] quantity [joiner quantity] [open end],
read over tokens so that the same reader checks a typed figure (read_figure) and finds the
figures in an article's sentence (figure_finder).

A quantity is digits with an optional scale word ("1,2 млн", "12-thousand", "15-hundred"),
spelled-out words ("five thousand", "zweitausend", "пять тысяч") or "a/one/eine … million",
"half a million". Whatever the grammar does not know it leaves unread: the caller refuses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from app.domain.errors import FigureError
from app.domain.figure_tokens import SPACES, Tok, infer_lang, tokenize
from app.domain.figure_words import QUALIFIER_WORDS, RANGE_INTROS, RANGE_JOINERS, SUFFIXES
from app.domain.number_words import (
    ABBREVIATIONS,
    AMBIGUOUS_SCALES,
    HALF_WORDS,
    HUNDREDS,
    ONE_WORDS,
    SCALES,
    is_number_word,
    words_value,
)
from app.domain.numbers import digits_value, finish, format_number, quote
from app.i18n import N_, gettext

FIGURE_HELP = N_("write a number such as 1,200, a range such as 1,000–3,000, or 'at least 300'.")

def _phrase(text: str) -> tuple[str, ...]:
    return tuple(t.low for t in tokenize(text))


_QUALIFIERS: list[tuple[tuple[str, ...], str, str]] = sorted(
    ((_phrase(w), kind, w) for kind, words in QUALIFIER_WORDS.items() for w in words),
    key=lambda item: (len(item[0]), len(item[2])),
    reverse=True,
)
_SUFFIXES = sorted(((_phrase(w), kind, w) for w, kind in SUFFIXES.items()),
                   key=lambda item: len(item[0]), reverse=True)
@dataclass
class Qty:
    value: Fraction  # before the scale
    scale: int | None
    start: int  # token indices [start, end)
    end: int
    src: str
    bare: bool = False  # plain digits, no separator, no scale
    zeros: tuple[int, int] | None = None  # "80,000" -> (80, 1000)
    decided: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return finish(self.value, self.scale, self.src)


@dataclass
class Parsed:
    qualifier: str  # a Qualifier value
    low: int | None
    high: int | None
    start: int
    end: int
    word: str = ""  # the qualifier as written
    kind: str = ""  # the qualifier's row in QUALIFIER_WORDS
    quantities: list[Qty] = field(default_factory=list)
    decided: list[str] = field(default_factory=list)


class Grammar:
    def __init__(self, text: str, toks: list[Tok], lang: str | None) -> None:
        self.text, self.toks, self.lang = text, toks, lang
        self.conv = lang or infer_lang(toks)
        self.furthest = 0

    # ---- helpers ------------------------------------------------------------------------
    def gap(self, i: int) -> bool:
        """Whether space separates token i from the one before it."""
        return 0 < i < len(self.toks) and self.toks[i].start > self.toks[i - 1].end

    def low(self, i: int) -> str:
        return self.toks[i].low if 0 <= i < len(self.toks) else ""

    def span(self, start: int, end: int) -> str:
        return self.text[self.toks[start].start : self.toks[end - 1].end]

    def match(self, i: int, phrase: tuple[str, ...]) -> int | None:
        if tuple(self.low(i + k) for k in range(len(phrase))) == phrase:
            return i + len(phrase)
        return None

    def _seen(self, i: int) -> None:
        self.furthest = max(self.furthest, i)

    # ---- quantities ---------------------------------------------------------------------
    def _digits(self, tok: Tok, scaled: bool) -> tuple[Fraction, list[str]]:
        digits = re.sub(f"[{SPACES}]", " ", tok.text)
        seps = re.findall(r"[,.'’ ]", digits)
        decimal = {"en": ".", "de": ",", "ru": ",", "uk": ","}.get(self.conv or "")
        one_group = len(seps) == 1 and seps[0] in ",." and len(digits.rsplit(seps[0])[-1]) == 3
        if one_group and scaled:
            if decimal is None:
                raise FigureError(gettext(
                    "%(number)s before a scale word is ambiguous: is '%(mark)s' a decimal mark "
                    "or a thousands separator? Choose the language or write the figure as "
                    "1.2 million or 1,200,000.", number=quote(tok.text), mark=seps[0]))
            if seps[0] == decimal:
                whole, frac = digits.split(seps[0])
                return Fraction(int(whole)) + Fraction(int(frac), 1000), [gettext(
                    "'%(number)s': '%(mark)s' is the decimal mark", number=tok.text,
                    mark=seps[0])]
        notes = []
        if one_group and seps[0] == decimal:
            notes.append(gettext("'%(number)s': '%(mark)s' read as a thousands separator "
                                 "(three digits follow, and a head count is whole)",
                                 number=tok.text, mark=seps[0]))
        return digits_value(digits, tok.text), notes

    def _scale_at(self, k: int) -> tuple[int, int, str] | None:
        """The scale word at token k (after an optional unspaced dash): (scale, end, word)."""
        if self.low(k) == "-" and not self.gap(k) and not self.gap(k + 1):
            k += 1
        if k >= len(self.toks):
            return None
        word = self.low(k)
        if word in AMBIGUOUS_SCALES and self.toks[k - 1].kind == "num":
            raise FigureError(gettext(
                "%(number)s is ambiguous: write 'million' or 'thousand' in full, as in "
                "1.2 million or 300 thousand.", number=quote(self.span(k - 1, k + 1))))
        scale = SCALES.get(word) or (100 if word in HUNDREDS else None)
        if scale is None:
            return None
        end = k + 1
        if word in ABBREVIATIONS and self.low(end) == "." and not self.gap(end):
            end += 1
        return scale, end, self.toks[k].text

    def quantity(self, i: int) -> Qty | None:
        self._seen(i)
        if i >= len(self.toks):
            return None
        tok = self.toks[i]
        if tok.kind == "num":
            scale_at = self._scale_at(i + 1)
            value, notes = self._digits(tok, scale_at is not None)
            if scale_at is None:
                q = Qty(value, None, i, i + 1, tok.text, decided=notes,
                        bare=tok.text.isdigit(), zeros=_zeros(tok.text, value))
                return q
            scale, end, word = scale_at
            if scale == 100 and value.denominator != 1:
                return None
            return Qty(value, scale, i, end, self.span(i, end),
                       decided=[*notes, _arrow(word, f"×{format_number(scale)}")])
        if tok.kind != "word":
            return None
        return self._spelled(i)

    def _spelled(self, i: int) -> Qty | None:
        word, nxt = self.low(i), self.low(i + 1)
        part: Fraction | None = None
        k = i + 1
        if word in ONE_WORDS and nxt == "quarter":  # "a quarter million", "… of a million"
            part, k = Fraction(1, 4), i + 2
            if self.low(k) == "of" and self.low(k + 1) in ("a", "an"):
                k += 2
        elif (word in ONE_WORDS and nxt in HALF_WORDS) or (
            word in HALF_WORDS and nxt in ("a", "an")
        ):  # "a half million", "eine halbe Million", "half a million"
            part, k = Fraction(1, 2), i + 2
        elif word in ("полтора", "полторы", "півтора", "anderthalb", "eineinhalb"):
            part = Fraction(3, 2)
        elif word in ("пол", "пів"):
            part = Fraction(1, 2)
        elif word[:3] in ("пол", "пів") and SCALES.get(word[3:], 0) >= 1000:  # "полмиллиона"
            src = self.toks[i].text
            q = Qty(Fraction(1, 2), SCALES[word[3:]], i, i + 1, src)
            q.decided.append(_arrow(src, format_number(q.total)))
            return q
        elif word in ONE_WORDS:
            part = Fraction(1)
        if part is None:
            return self._run(i)
        scale_at = self._scale_at(k)
        if scale_at is None:
            return self._run(i) if part == 1 and word not in ("a", "an") else None
        scale, end, _ = scale_at
        if part != 1 and scale < 1000:
            return None
        src = self.span(i, end)
        q = Qty(part, scale, i, end, src)
        q.decided.append(_arrow(src, format_number(q.total)))
        return q

    def _run(self, i: int) -> Qty | None:
        """Spelled-out number words: "twenty-five thousand", "zweitausend", "пять тысяч"."""
        words: list[str] = []
        k = i
        while k < len(self.toks):
            w = self.low(k)
            if self.toks[k].kind == "word" and is_number_word(w, self.lang):
                words.append(w)
                k += 1
            elif w == "-" and words and not self.gap(k) and not self.gap(k + 1) and (
                is_number_word(self.low(k + 1), self.lang)
            ):
                words[-1] += "-" + self.low(k + 1)
                k += 2
            elif w == "and" and words and is_number_word(self.low(k + 1), self.lang):
                words.append(w)
                k += 1
            else:
                break
        if not words or words[-1] == "and" or words[0] in SCALES or words[0] in HUNDREDS:
            return None  # "million" alone is no number
        value = words_value(words, self.lang)
        if value is None:
            return None
        scale: int | None = None
        last = words[-1]
        end = k
        for candidate in (SCALES.get(last), 100 if last in HUNDREDS else None):
            if candidate and value % candidate == 0:
                scale = candidate
                break
        lead = Fraction(value, scale or 1)
        if scale is None and (extra := self._scale_at(k)) is not None and extra[0] >= 1000:
            scale, end = extra[0], extra[1]  # "пять тысяч", "drei Mio."
        src = self.span(i, end)
        q = Qty(lead, scale, i, end, src)
        q.decided.append(_arrow(src, format_number(q.total)))
        return q

    # ---- figures ------------------------------------------------------------------------
    def qualifier(self, i: int) -> tuple[int, str, str, str] | None:
        for phrase, kind, written in _QUALIFIERS:
            end = self.match(i, phrase)
            if end is None:
                continue
            if phrase[-1][-1].isalnum() and not self.gap(end) and end < len(self.toks):
                continue  # "some300", "overall"
            return end, kind, self.span(i, end), written
        return None

    def figure(self, i: int) -> Parsed | None:
        """The figure starting at token i, or None; raises FigureError for what is clearly
        a figure written wrongly (a low above a high, a decimal head count…)."""
        found = self.qualifier(i)
        start, word, kind = i, "", ""
        if found is not None:
            i, kind, word, _ = found
            self._seen(i)
            self._reject_negative(i)
        else:
            self._reject_negative(i)
        core = self._core(i)
        if core is None:
            return None
        quantities, end, joiner = core
        decided = [d for q in quantities for d in q.decided]
        if found is not None:
            decided.insert(0, _arrow(word, gettext(_KIND_LABEL[kind])))
        if len(quantities) == 2:
            low_n, high_n, shared = _bounds(quantities[0], quantities[1])
            decided += shared
            decided.append(_arrow(joiner, gettext("range")))
            if kind not in ("", "about", "about_below"):
                raise FigureError(gettext(
                    "Could not read %(text)s as a figure: %(word)s cannot open a range; "
                    "%(help)s", text=quote(self.span(start, end)), word=quote(word),
                    help=gettext(FIGURE_HELP)))
            about = kind != ""
            if low_n == high_n:
                return Parsed("about" if about else "exact", low_n, high_n, start, end, word,
                              kind, quantities, decided)
            if low_n > high_n:
                raise FigureError(gettext(
                    "The low figure is above the high figure: %(low)s > %(high)s. Put the "
                    "smaller figure first.", low=format_number(low_n), high=format_number(high_n)))
            return Parsed("about" if about else "between", low_n, high_n, start, end, word,
                          kind, quantities, decided)
        n = quantities[0].total
        suffix = self._suffix(end)
        if suffix is not None:
            if found is not None:
                return None
            end, suffix_kind, suffix_word = suffix
            decided.append(_arrow(suffix_word, gettext(_KIND_LABEL[suffix_kind])))
            kind = suffix_kind
        qualifier = {"": "exact", "about_below": "about"}.get(kind, kind)
        low: int | None = None if qualifier in ("up_to", "fewer_than") else n
        high: int | None = None if qualifier in ("at_least", "more_than") else n
        return Parsed(qualifier, low, high, start, end, word, kind, quantities, decided)

    def _reject_negative(self, i: int) -> None:
        if self.low(i) in ("-", "−", "–", "—", "‐") and self.low(i + 1)[:1].isdigit():
            raise FigureError(gettext(
                "Could not read %(text)s as a figure: figures cannot be negative; %(help)s",
                text=quote(self.text), help=gettext(FIGURE_HELP)))

    def _core(self, i: int) -> tuple[list[Qty], int, str] | None:
        intro = self.low(i)
        if intro in RANGE_INTROS and self.gap(i + 1):
            a = self.quantity(i + 1)
            if a is None:
                return None
            joiner = self.low(a.end)
            if joiner not in RANGE_INTROS[intro]:
                self._seen(a.end)
                return None
            b = self.quantity(a.end + 1)
            if b is None:
                return None
            return [a, b], b.end, f"{self.toks[i].text} … {self.toks[a.end].text}"
        a = self.quantity(i)
        if a is None:
            return None
        joiner = self.low(a.end)
        if joiner in RANGE_JOINERS and not (joiner == "-" and self.low(a.end + 1) == "plus"):
            b = self.quantity(a.end + 1)
            if b is not None:
                return [a, b], b.end, self.toks[a.end].text
            self._seen(a.end)
        return [a], a.end, ""

    def _suffix(self, i: int) -> tuple[int, str, str] | None:
        for phrase, kind, written in _SUFFIXES:
            end = self.match(i, phrase)
            if end is not None and (phrase != ("plus",) or self.gap(i)):
                return end, kind, written
        return None


_KIND_LABEL = {"about": N_("about"), "about_below": N_("about"), "at_least": N_("at least"),
               "more_than": N_("more than"), "up_to": N_("up to"),
               "fewer_than": N_("fewer than")}


def _arrow(written: str, read: str) -> str:
    return f"'{written}' → {read}"


def _zeros(text: str, value: Fraction) -> tuple[int, int] | None:
    groups = re.split(r"[,.'’ \u00a0\u202f\u2009]", text)
    if len(groups) < 2 or value.denominator != 1:
        return None
    if any(group != "000" for group in groups[1:]):
        return None  # only "80,000" or "3,000,000": a lead group and zeros
    mult = 1000 ** (len(groups) - 1)
    return int(value) // mult, mult


def _bounds(a: Qty, b: Qty) -> tuple[int, int, list[str]]:
    high = b.total
    if a.scale is None and b.scale is not None:
        # "1-3 million" means 1,000,000-3,000,000; only when that reading is impossible but
        # the bare first number fits ("300-1.2 million") is it taken as written.
        shared = a.value * b.scale
        if shared > high and a.value <= high and a.value.denominator == 1:
            return a.total, high, []
        low = finish(a.value, b.scale, f"{a.src} × {format_number(b.scale)}")
        return low, high, [gettext("'%(first)s' takes the scale of '%(second)s' → %(low)s",
                                   first=a.src, second=b.src, low=format_number(low))]
    if a.bare and a.scale is None and b.zeros is not None and a.value < b.zeros[0]:
        low = finish(a.value, b.zeros[1], a.src)
        return low, high, [gettext("'%(first)s' takes the zeros of '%(second)s' → %(low)s",
                                   first=a.src, second=b.src, low=format_number(low))]
    return a.total, high, []
