"""Who a sentence says gave a figure: attribution patterns in English, German, Russian and
Ukrainian ("according to X", "laut X", "X zufolge", "по данным X", "за даними X", "X said",
"Präsident Selenskyj schätzte", "amerikanische Schätzungen"), and the known source such a
phrase names — by name, short name and the usual spellings of its words in other languages
("Selenskyj", "Зеленский" → Zelensky; "Nachrichtendienst" → intelligence service) — or none,
when it names a source not recorded yet."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_W = r"[^\W\d_][\w'’.-]*"  # a word (letters first)
_PHRASE = rf"(?:{_W}\s+){{0,5}}{_W}"  # at most six words
_VERBS = {
    "en": r"said|says|estimated|estimates|reported|reports|told|claimed|claims|stated|"
          r"announced|believes|believed|counted|counts|assessed|assesses",
    "de": r"sagte|sagt|schätzte|schätzt|schätzen|schätzten|berichtete|berichtet|berichteten|"
          r"erklärte|erklärt|meldete|meldet|teilte|teilt|bezifferte|beziffert|"
          r"zählte|zählt|behauptete|behauptet|bestätigte|bestätigt",
    "ru": r"сообщил[аио]?|заявил[аио]?|оценил[аио]?|оценивает|оценивают|сказал[аи]?|"
          r"подсчитал[аи]?|утверждает|утверждают|говорит|признал[аи]?",
    "uk": r"повідомив|повідомила|повідомили|заявив|заявила|заявили|оцінив|оцінила|оцінили|"
          r"оцінює|оцінюють|сказав|сказала|підрахував|підрахували|стверджує|визнав",
}
# (pattern, group of the source phrase) per language; the phrase is cut at the first comma,
# colon, "that"/"dass"/"что"/"що" or figure by the caller.
_BEFORE: dict[str, tuple[str, ...]] = {
    "en": (rf"\baccording to (?:the )?({_PHRASE})", rf"\b(?:per|citing) ({_PHRASE})"),
    "de": (rf"\blaut (?:de[rmns] |die )?({_PHRASE})",
           rf"\bnach Angaben (?:von |de[rs] )?({_PHRASE})",
           rf"\bnach (?:Schätzungen|Einschätzung|Informationen) (?:von |de[rs] )?({_PHRASE})",
           rf"\bwie (?:die |der |das )?({_PHRASE}) (?:mitteilte|berichtete|meldete)"),
    "ru": (rf"\bпо (?:данным|словам|оценкам|информации|сведениям) ({_PHRASE})",
           rf"\bкак (?:сообщил[аио]?|заявил[аио]?|сообщает|сообщают) ({_PHRASE})",
           rf"\bсогласно (?:данным |оценкам )?({_PHRASE})"),
    "uk": (rf"\bза (?:даними|словами|оцінками|інформацією|інформації) ({_PHRASE})",
           rf"\bяк (?:повідомив|повідомила|повідомили|заявив|заявила|повідомляє) ({_PHRASE})",
           rf"\bзгідно з (?:даними )?({_PHRASE})"),
}
_AFTER: dict[str, tuple[str, ...]] = {  # the phrase comes before the marker
    "en": (rf"({_PHRASE}) estimates? (?:put|puts|say|says|suggest|suggests|were|was|are|is)\b",),
    "de": (rf"({_PHRASE}) zufolge\b", rf"({_PHRASE}) Schätzungen\b"),
    "ru": (rf"({_PHRASE}) оценк[иам]\b",),
    "uk": (rf"({_PHRASE}) оцінк[иам]\b",),
}
_STOP_RE = re.compile(
    r"\s*(?:,|:|;|\d|(?<!\w)(?:that|dass|что|що|were|was|are|is|have|has|had|will|would|"
    r"could|may|wurden|wurde|werden|sind|seien|waren|war|ist|hat|haben|habe|hatte|könnte|"
    r"könnten|soll|sollen|sei|gibt|gab|liegt|lag|lagen|были|было|была|был|составил\w*|"
    r"составля\w*|погибл\w*|убит\w*|були|було|був|становить|становлять|загинул\w*|"
    r"вбит\w*|killed|wounded|getötet|verwundet)(?!\w)).*$", re.IGNORECASE | re.DOTALL)
_LEAD_RE = re.compile(
    r"^(?:the|a|an|der|die|das|des|dem|den|ein|eine|einer|einem|und|and|aber|but|"
    r"während|while|а|и|но|і|та|але)\s+", re.IGNORECASE)
# Words that start a German or English clause before an inverted subject: "Im Januar
# berichtete die Agentur …" — the source is after the verb.
_FRONTED_RE = re.compile(
    r"^(?:im|am|in|an|auf|nach|seit|vor|gestern|heute|zuvor|später|dann|damals|so|"
    r"außerdem|zudem|auch|ebenfalls|laut|yesterday|today|earlier|later|then|also|как|як|"
    r"по|за|в|у|вчера|вчора|сегодня|сьогодні|ранее|раніше|также|також)(?!\w)",
    re.IGNORECASE)


@dataclass(frozen=True)
class Attribution:
    start: int
    end: int
    phrase: str  # the source as the text names it, e.g. "lokalen Berichten"


def _clean(phrase: str) -> str:
    phrase = _STOP_RE.sub("", phrase).strip(" '\"„“”’‘«»()")
    while (stripped := _LEAD_RE.sub("", phrase)) != phrase:
        phrase = stripped
    return phrase


def find_attributions(clause: str, lang: str) -> list[Attribution]:
    """The sources a clause names, in the order they appear."""
    found: list[Attribution] = []
    langs = [lang] if lang in _VERBS else list(_VERBS)
    for code in langs:
        for pattern in (*_BEFORE[code], *_AFTER[code]):
            for m in re.finditer(pattern, clause, re.IGNORECASE):
                phrase = m.group(1)
                if pattern in _AFTER[code]:  # the words right before the marker
                    phrase = _last_words(re.split(r"[,:;]", phrase)[-1], 3)
                phrase = _clean(phrase)
                if phrase:
                    found.append(Attribution(m.start(1), m.end(1), phrase))
        for m in re.finditer(rf"(?<!\w)(?:{_VERBS[code]})(?!\w)", clause, re.IGNORECASE):
            before = clause[:m.start()].strip()
            after = _clean(_first_words(clause[m.end():], 6))
            pieces = [p for p in re.split(r"[,:;]", before) if p.strip()]
            subject = _clean(_last_words(pieces[-1], 5)) if pieces else ""
            if after and before.endswith((",", ":", "—", "–")):
                # "…, said Zelensky", "…, повідомив Зеленський": the source follows the verb
                found.append(Attribution(m.end(), m.end() + len(after) + 1, after))
            elif subject and not _FRONTED_RE.match(subject):
                found.append(Attribution(max(0, m.start() - len(subject) - 1), m.start(),
                                         subject))
            elif after:
                found.append(Attribution(m.end(), m.end() + len(after) + 1, after))
    return sorted(found, key=lambda a: a.start)


def _first_words(text: str, n: int) -> str:
    return " ".join(text.split()[:n])


def _last_words(text: str, n: int) -> str:
    return " ".join(text.split()[-n:])


# ---- matching a phrase with a known source ------------------------------------------------

@dataclass(frozen=True)
class KnownSource:
    slug: str
    name: str
    short_name: str = ""
    description: str = ""


# Spellings and translations folded onto one English word: a phrase and a source match on
# the words they share once folded. A key matches a word that starts with it (German nouns
# also as the end of a compound: "Nachrichtendienst" → "dienst").
_FOLD: dict[str, tuple[str, ...]] = {
    "selenskyj": ("zelensky",), "zelenskyy": ("zelensky",), "zelenskiy": ("zelensky",),
    "зеленск": ("zelensky",), "зеленськ": ("zelensky",), "путин": ("putin",),
    "путін": ("putin",), "шойгу": ("shoigu",), "schoigu": ("shoigu",),
    "сырск": ("syrskyi",), "сирськ": ("syrskyi",), "syrskyj": ("syrskyi",),
    "буданов": ("budanov",), "budanow": ("budanov",), "пентагон": ("pentagon",),
    "нато": ("nato",), "сша": ("us", "united", "states"), "u.s": ("us", "united", "states"),
    "usa": ("us", "united", "states"), "amerikan": ("us", "united", "states"),
    "american": ("us", "united", "states"), "американ": ("us", "united", "states"),
    "washington": ("us",), "вашингтон": ("us",),
    "südkorea": ("south", "korea"), "южнокоре": ("south", "korea"),
    "південнокоре": ("south", "korea"), "сеул": ("south", "korea"), "seoul": ("south", "korea"),
    "nordkorea": ("north", "korea"), "кндр": ("north", "korea"),
    "ukrain": ("ukraine",), "украин": ("ukraine",), "україн": ("ukraine",),
    "russ": ("russia",), "росси": ("russia",), "росій": ("russia",),
    "präsident": ("president",), "президент": ("president",),
    "national": ("national",), "национальн": ("national",), "національн": ("national",),
    "nachrichtendienst": ("intelligence", "service"), "geheimdienst": ("intelligence", "service"),
    "разведк": ("intelligence",), "розвідк": ("intelligence",),
    "spionage": ("intelligence",), "intelligence": ("intelligence",),
    "agentur": ("agency",), "агентств": ("agency",), "агенці": ("agency",),
    "dienst": ("service",), "служб": ("service",),
    "verteidigungsministerium": ("defence", "defense", "ministry"),
    "минобороны": ("defence", "defense", "ministry"), "міноборони": ("defence", "defense",
                                                                     "ministry"),
    "ministerium": ("ministry",), "министерств": ("ministry",), "міністерств": ("ministry",),
    "generalstab": ("general", "staff"), "генштаб": ("general", "staff"),
    "bericht": ("reports", "media"), "report": ("reports", "media"),
    "сообщени": ("reports", "media"), "повідомлен": ("reports", "media"),
    "medien": ("media",), "presse": ("media", "press"), "сми": ("media",), "змі": ("media",),
    "press": ("media", "press"), "zeitung": ("media",),
    "lokal": ("local",), "örtlich": ("local",), "местн": ("local",), "місцев": ("local",),
    "schätzung": ("estimates",), "estimate": ("estimates",), "оценк": ("estimates",),
    "оцінк": ("estimates",), "beamte": ("officials",), "official": ("officials",),
    "чиновник": ("officials",), "посадовц": ("officials",), "regierung": ("government",),
    "правительств": ("government",), "уряд": ("government",),
}
_STOPWORDS = frozenset([
    "the", "of", "and", "for", "in", "on", "at", "by", "to", "a", "an", "s", "its", "his", "her",
    "their", "der", "die", "das", "des", "dem", "den", "von", "und", "für", "im", "am", "zu",
    "ein", "eine", "einer", "и", "в", "на", "по", "і", "у", "та", "з",
])


def _ascii_fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word)
                   if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    text = re.sub(r"['’]s\b", "", text.casefold())
    return [w for w in re.findall(r"[^\W_]+(?:\.[^\W_]+)*", text) if w not in _STOPWORDS]


def folded(text: str) -> set[str]:
    """The words of `text` as English words where they are known, else as written."""
    out: set[str] = set()
    for word in _words(text):
        hits = [v for k, v in _FOLD.items() if word.startswith(k) or
                (len(k) >= 6 and word.endswith(k))]
        if hits:
            out.update(w for v in hits for w in v)
        else:
            out.add(_ascii_fold(word))
    return out


def _same(a: str, b: str) -> bool:
    """One word, allowing endings: "korea"/"korean", "report"/"reports"."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short) and len(long_) - len(short) <= 2


def _overlap(words: set[str], other: set[str]) -> int:
    return sum(1 for w in words if any(_same(w, o) for o in other))


def match_source(phrase: str, sources: list[KnownSource]) -> KnownSource | None:
    """The one known source the phrase names, else None (no source, or a tie).

    A source's short name counts 4, each word of its name 2, each word of its description 1;
    at least one word of its name or short name must be among the phrase's words."""
    words = folded(phrase)
    if not words:
        return None
    scored = []
    for source in sources:
        short = folded(source.short_name) if source.short_name else set()
        named = _overlap(words, folded(source.name) | short)
        if not named:
            continue
        score = 4 * _overlap(words, short) + 2 * _overlap(words, folded(source.name)) \
            + _overlap(words, folded(source.description))
        scored.append((score, source.slug, source))
    scored.sort(key=lambda s: (-s[0], s[1]))
    if not scored or scored[0][0] < 2:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    return scored[0][2]
