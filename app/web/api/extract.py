"""Candidate estimates read from an article, for editors: the twin of the "From an article"
page (the same service, nothing saved)."""

from __future__ import annotations

from fastapi import APIRouter

from app.schemas.candidates import CandidateOut, ExtractIn
from app.services import candidates
from app.web.deps import CurrentEditor, SessionDep

router = APIRouter()


@router.post("/extract", response_model=list[CandidateOut])
def extract_candidates(body: ExtractIn, session: SessionDep,
                       editor: CurrentEditor) -> list[CandidateOut]:
    """The candidate estimates in an article: each figure the parser reads in a sentence that
    names one of the topic's measures, with its source, dates, scope and the sentence as the
    quote. Nothing is saved: an editor checks each one (the page /extract saves them)."""
    found = candidates.read_article(session, candidates.Article(
        topic=body.topic, text=body.text, lang=body.lang, published=body.published,
        url=body.url, publication=body.publication))
    return [CandidateOut(**candidates.candidate_json(c)) for c in found.candidates]
