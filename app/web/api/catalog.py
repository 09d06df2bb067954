"""Correcting the catalogue: topics, measures, sources, and a source's party status within a
topic. Each correction is based on a version (a `version` field or If-Match) and leaves a
revision; party marks have no version of their own."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.schemas.catalog import (
    MeasureOut,
    MeasurePatch,
    PartyIn,
    SourceOut,
    SourcePatch,
    SourceRef,
    TopicPatch,
    TopicSourceOut,
    TopicSummary,
)
from app.services import catalog, catalog_edits, parties
from app.services.parties import PartyStatus
from app.web.api.params import IfMatch, if_match_version
from app.web.deps import CurrentEditor, SessionDep

router = APIRouter()
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "The version given is no longer current; `detail.current_version` "
                         "says which one is."},
}


def _party_out(status: PartyStatus) -> TopicSourceOut:
    return TopicSourceOut(source=SourceRef.model_validate(status.source),
                          default=status.source.party_to_conflict, own=status.own,
                          party_to_conflict=status.party)


@router.patch("/topics/{slug}", response_model=TopicSummary, responses=_CONFLICT)
def patch_topic(slug: str, patch: TopicPatch, session: SessionDep, editor: CurrentEditor,
                if_match: IfMatch = None) -> TopicSummary:
    topic = catalog_edits.update_topic(session, slug, patch, editor,
                                       version=if_match_version(if_match))
    return TopicSummary.model_validate(topic)


@router.patch("/topics/{slug}/measures/{measure}", response_model=MeasureOut,
              responses=_CONFLICT)
def patch_measure(slug: str, measure: str, patch: MeasurePatch, session: SessionDep,
                  editor: CurrentEditor, if_match: IfMatch = None) -> MeasureOut:
    changed = catalog_edits.update_measure(session, slug, measure, patch, editor,
                                           version=if_match_version(if_match))
    return MeasureOut.model_validate(changed)


@router.patch("/sources/{slug}", response_model=SourceOut, responses=_CONFLICT)
def patch_source(slug: str, patch: SourcePatch, session: SessionDep, editor: CurrentEditor,
                 if_match: IfMatch = None) -> SourceOut:
    source = catalog_edits.update_source(session, slug, patch, editor,
                                         version=if_match_version(if_match))
    return SourceOut.model_validate(source)


@router.get("/topics/{slug}/sources", response_model=list[TopicSourceOut])
def list_topic_sources(slug: str, session: SessionDep) -> list[TopicSourceOut]:
    """Each source with figures in the topic: its default and its party status here."""
    topic = catalog.get_topic(session, slug)
    return [_party_out(s) for s in parties.topic_sources(session, topic.id)]


@router.put("/topics/{slug}/sources/{source}/party", response_model=TopicSourceOut)
def set_topic_party(slug: str, source: str, body: PartyIn, session: SessionDep,
                    editor: CurrentEditor) -> TopicSourceOut:
    """true: a party to the conflict in this topic; false: not one; null: the source's
    default applies."""
    return _party_out(parties.set_party(session, slug, source, body.party_to_conflict, editor,
                                        body.comment))
