"""An article's text cut into paragraphs, sentences and clauses, in English, German, Russian and
Ukrainian — without cutting at abbreviations ("z. B.", "u. a.", "Dr.", "ca.", "т. е."),
initials ("W. Putin"), ordinals ("3. Februar") or numbers written with dots ("10.000")."""

from __future__ import annotations

import re
from dataclasses import dataclass

LANGUAGES = ("en", "de", "ru", "uk")

# Words that end with a dot without ending the sentence (lowercase, without the dot). Single
# letters (initials, "z. B.", "u. a.", "т. е.") never end one either.
_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "en": frozenset([
        "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "sgt", "capt", "maj", "cpl", "adm",
        "gov", "sen", "rep", "rev", "st", "jr", "sr", "etc", "e.g", "i.e", "vs", "approx", "est",
        "no", "nos", "dept", "univ", "corp", "inc", "ltd", "co", "jan", "feb", "mar", "apr",
        "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft", "u.s", "u.k", "u.n",
    ]),
    "de": frozenset([
        "dr", "prof", "ca", "bzw", "etc", "vgl", "nr", "usw", "sog", "ggf", "mio", "mrd", "tsd",
        "abs", "jh", "chr", "evtl", "inkl", "zzgl", "u.a", "z.b", "d.h", "o.ä", "s.o", "s.u",
        "str", "gen", "hr", "fr", "min", "max", "jan", "feb", "mär", "apr", "jun", "jul", "aug",
        "sept", "okt", "nov", "dez",
    ]),
    "ru": frozenset([
        "т.е", "т.д", "т.п", "т.к", "тыс", "млн", "млрд", "им", "ул", "см", "др", "пр", "напр",
        "гг", "г", "ген", "проф", "акад", "руб",
    ]),
    "uk": frozenset([
        "т.д", "т.п", "тис", "млн", "млрд", "ім", "вул", "див", "ін", "напр", "пр", "рр", "р",
        "ген", "проф", "акад", "грн", "зокр",
    ]),
}
_ALL_ABBREVIATIONS = frozenset().union(*_ABBREVIATIONS.values())

# A sentence ends at . ! ? … (and any closing quotes or brackets after it) followed by space.
_END_RE = re.compile(r"([.!?…]+)([\"'”’»)\]]*)(\s+)")
_TOKEN_BEFORE_RE = re.compile(r"(\S+)$")
_OPENING = "\"'„“‘«(["

# Where one clause of a sentence gives way to another that may have its own source:
# "…, während amerikanische Schätzungen bei etwa 1.200 lagen".
_CLAUSE_RE = re.compile(
    r"\s*(?:;|[,–—]\s+(?=(?:while|whereas|but|although|though|während|wohingegen|aber|doch|"
    r"jedoch|allerdings|тогда как|в то время как|а|но|однако|тоді як|у той час як|але|проте|"
    r"однак)\b))\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int  # the number of its paragraph, from 0


def _paragraphs(text: str) -> list[str]:
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [" ".join(b.split()) for b in blocks if b.strip()]


def _ends_sentence(before: str, dots: str, after: str, lang: str) -> bool:
    """Whether the punctuation `dots` after `before` ends a sentence, given the text after."""
    if not after:
        return True
    first = after.lstrip(_OPENING)[:1]
    if not first or not (first.isupper() or first.isdigit() or after[0] in _OPENING):
        return False  # "etc. and", "ca. 300": a sentence starts with a capital or a quote
    if dots != ".":
        return True
    token = _TOKEN_BEFORE_RE.search(before)
    word = token.group(1).lstrip(_OPENING).lower() if token else ""
    if len(word.rstrip(".")) == 1 and word.rstrip(".").isalpha():
        return False  # an initial, or the last letter of "z. B." / "т. е."
    if word.isdigit() and len(word) <= 2 and not first.isdigit():
        return False  # a German ordinal or date: "am 3. Februar"
    known = _ABBREVIATIONS.get(lang, _ALL_ABBREVIATIONS)
    return word not in known and word.rstrip(".") not in known


def split_sentences(text: str, lang: str = "en") -> list[Sentence]:
    """The article's sentences in order, each with its paragraph (blank lines part them)."""
    sentences: list[Sentence] = []
    for number, paragraph in enumerate(_paragraphs(text)):
        start = 0
        for m in _END_RE.finditer(paragraph):
            before = paragraph[start:m.start()]
            after = paragraph[m.end():]
            if _ends_sentence(before, m.group(1), after, lang):
                piece = paragraph[start:m.end()].strip()
                if piece:
                    sentences.append(Sentence(piece, number))
                start = m.end()
        rest = paragraph[start:].strip()
        if rest:
            sentences.append(Sentence(rest, number))
    return sentences


def clause_bounds(sentence: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the sentence's clauses that may each have their own
    source or date ("X said 4,000, while US estimates put it at 1,200")."""
    bounds = []
    start = 0
    for m in _CLAUSE_RE.finditer(sentence):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(sentence)))
    return bounds
