"""Machine-readable provenance: schema.org JSON-LD for a topic (a `Dataset` with its CSV and JSON
downloads) and for an estimate (a `Claim` with the citations it appears in and the quantity it
states). Plain dicts, built here from what the page shows; the web layer gives the addresses
and writes them into the page (templating's `json_ld` filter)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.captures import CitationCapture
from app.domain.chain import utc_iso
from app.domain.dates import PartialDate, partial_date, partial_iso
from app.domain.figures import format_figure
from app.domain.vocabulary import Qualifier, SourceKind, Status
from app.models import Estimate, Measure, Source
from app.services import listing, visibility
from app.services.comparison import TopicView

CONTEXT = "https://schema.org"
_PEOPLE = frozenset({SourceKind.PERSON.value, SourceKind.RESEARCHER.value})


@dataclass(frozen=True)
class Site:
    """Who publishes the data: the creator and publisher of every Dataset and Claim."""

    name: str
    url: str
    license: str = ""  # a URL; empty: no license is stated

    def organization(self) -> dict[str, Any]:
        return {"@type": "Organization", "name": self.name, "url": self.url}


@dataclass(frozen=True)
class TopicLinks:
    page: str  # the topic page (canonical, without the reader's choices)
    csv: str  # the downloads, with the page's choices and record point
    json: str


@dataclass(frozen=True)
class EstimateLinks:
    page: str
    topic: str
    source: str
    capture: Callable[[int], str]  # the stored text of a capture, by its id


def _moment(value: dt.datetime | None) -> str | None:
    return utc_iso(value).replace(".000000", "") if value else None


# ---- a topic: Dataset ------------------------------------------------------------------------

def _coverage_now(session: Session, view: TopicView) -> tuple[PartialDate, PartialDate] | None:
    """The first and the last date of the figures in view (by the date each is placed by)."""
    shown = (Estimate.status == Status.ACTIVE.value, visibility.published(),
             Estimate.placed_on.is_not(None), *listing.in_view(view.choices))
    measures = select(Measure.id).where(Measure.topic_id == view.topic.id)
    ends = []
    for extreme in (func.min, func.max):
        # Each measure's first (or last) date is one probe of an index on (measure, …, date);
        # across the measures at once it would be a sort of every figure of the topic.
        per_measure = (select(extreme(Estimate.placed_on))
                       .where(Estimate.measure_id == Measure.id, *shown)
                       .correlate(Measure).scalar_subquery())
        date = select(extreme(per_measure)).where(Measure.id.in_(measures)).scalar_subquery()
        row = session.execute(select(Estimate.placed_on, Estimate.placed_precision)
                              .where(Estimate.measure_id.in_(measures), *shown,
                                     Estimate.placed_on == date)
                              .order_by(Estimate.id).limit(1)).first()
        known = partial_date(row[0], row[1]) if row else None
        if known is None:
            return None
        ends.append(known)
    return ends[0], ends[1]


def _coverage_shown(view: TopicView) -> tuple[PartialDate, PartialDate] | None:
    """The first and the last date of the figures a view recorded at a point shows."""
    dates = [e.when for m in view.measures
             for e in (*m.entries, *m.recent, *m.latest, *(entry for entry, _ in m.beside))
             if e.when is not None]
    return (min(dates), max(dates)) if dates else None


def _interval(ends: tuple[PartialDate, PartialDate] | None) -> str | None:
    if ends is None:
        return None
    first, last = ends
    return first.iso() if first == last else f"{first.iso()}/{last.iso()}"


def topic_dataset(session: Session, view: TopicView, links: TopicLinks,
                  site: Site) -> dict[str, Any]:
    """A topic as a schema.org Dataset."""
    topic = view.topic
    labels = [m.measure.label for m in view.measures]
    description = topic.summary.strip() or (
        f"Conflicting estimates of {topic.title}, recorded per source with their citations"
        + (f": {', '.join(labels)}." if labels else "."))
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "@id": links.page,
        "name": topic.title,
        "description": description,
        "url": links.page,
        "isAccessibleForFree": True,
        "creator": site.organization(),
        "publisher": site.organization(),
        "variableMeasured": [
            {"@type": "PropertyValue", "propertyID": m.measure.slug, "name": m.measure.label,
             "unitText": m.measure.unit,
             **({"description": m.measure.description} if m.measure.description else {})}
            for m in view.measures],
        "distribution": [
            {"@type": "DataDownload", "name": f"{topic.title}: every figure (CSV)",
             "encodingFormat": "text/csv", "contentUrl": links.csv},
            {"@type": "DataDownload", "name": f"{topic.title}: every figure (JSON)",
             "encodingFormat": "application/json", "contentUrl": links.json},
        ],
    }
    coverage = _interval(_coverage_now(session, view) if view.recorded is None
                         else _coverage_shown(view))
    if coverage:
        data["temporalCoverage"] = coverage
    modified = view.last_change or topic.updated_at
    if modified:
        data["dateModified"] = _moment(modified)
    if site.license:
        data["license"] = site.license
    return data


# ---- an estimate: Claim ----------------------------------------------------------------------

def _source(source: Source, url: str) -> dict[str, Any]:
    found: dict[str, Any] = {
        "@type": "Person" if source.kind in _PEOPLE else "Organization",
        "name": source.name, "url": url}
    if source.short_name:
        found["alternateName"] = source.short_name
    if source.url:
        found["sameAs"] = source.url
    return found


def quantity(e: Estimate) -> dict[str, Any]:
    """The figure as a QuantitativeValue: its bounds, its best value (or the point), and the
    words a reader would say ("about 300") in its description."""
    value: dict[str, Any] = {"@type": "QuantitativeValue", "name": e.measure.label,
                             "unitText": e.measure.unit,
                             "description": format_figure(e.low, e.high, e.qualifier, e.best)}
    if e.low is not None:
        value["minValue"] = e.low
    if e.high is not None:
        value["maxValue"] = e.high
    point = e.best if e.best is not None else e.low if e.low == e.high else None
    if point is not None:
        value["value"] = point
    value["valueReference"] = {"@type": "DefinedTerm", "termCode": e.qualifier,
                               "name": Qualifier(e.qualifier).label}
    return value


def _appearance(citation: Any, found: CitationCapture | None,
                capture_url: Callable[[int], str]) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork"}
    if citation.url:
        work["url"] = citation.url
    name = citation.title or citation.publication or citation.url
    if name:
        work["name"] = name
    if citation.title:
        work["headline"] = citation.title
    if citation.publication:
        work["publisher"] = {"@type": "Organization", "name": citation.publication}
    if citation.published_on:
        work["datePublished"] = citation.published_on.isoformat()
    if citation.language:
        work["inLanguage"] = citation.language
    if citation.quote:
        work["text"] = citation.quote
    captured = found.capture if found is not None else None
    if captured is not None and captured.captured and captured.fetched_at:
        # What the page said when it was taken: Reckon's stored text of it.
        work["archivedAt"] = {"@type": "WebPage", "url": capture_url(captured.id),
                              "dateCreated": _moment(captured.fetched_at)}
        if captured.published_on and "datePublished" not in work:
            work["datePublished"] = captured.published_on.isoformat()
    elif citation.retrieved_on:
        work["dateRead"] = citation.retrieved_on.isoformat()
    return work


def estimate_claim(e: Estimate, links: EstimateLinks, site: Site,
                   captures: Mapping[int, CitationCapture] | None = None) -> dict[str, Any]:
    """An estimate as a schema.org Claim: who made it (author), about what (the topic), the
    quantity it states, and where it appeared (its citations, each with its capture)."""
    topic, measure = e.measure.topic, e.measure
    figure = format_figure(e.low, e.high, e.qualifier, e.best)
    as_of = partial_iso(e.as_of, e.as_of_precision)
    text = f"{e.source.name}: {topic.title}, {measure.label.lower()}: {figure} {measure.unit}"
    if as_of:
        text += f" (as of {as_of})"
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Claim",
        "@id": links.page,
        "url": links.page,
        "name": f"{e.source.name}: {measure.label}, {figure}",
        "text": text,
        "author": _source(e.source, links.source),
        "claimInterpreter": site.organization(),
        "about": {"@type": "Thing", "name": topic.title, "url": links.topic},
        "mainEntity": quantity(e),
        "appearance": [_appearance(c, (captures or {}).get(c.id), links.capture)
                       for c in e.citations],
        "dateModified": _moment(e.updated_at),
    }
    if as_of:
        data["temporalCoverage"] = as_of
    stated = partial_iso(e.stated_on, e.stated_on_precision)
    if stated:
        data["dateCreated"] = stated
    first = _first_appearance(data["appearance"])
    if first is not None:
        data["firstAppearance"] = first
    if site.license:
        data["license"] = site.license
    return data


def _first_appearance(works: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    dated = [w for w in works if "datePublished" in w]
    return min(dated, key=lambda w: str(w["datePublished"])) if dated else None
