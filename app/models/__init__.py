"""SQLAlchemy models: the domain vocabulary of PRODUCT.md, and the rules the database enforces.

One module per concept; every model is imported here, so `from app.models import X` works
and importing the package registers every table on Base.metadata (Alembic relies on it)."""

from app.models.accounts import ApiToken, LoginSession, LoginThrottle, User
from app.models.base import UTCDateTime, utcnow
from app.models.captures import CitedPage, PageCapture, QuoteCheck
from app.models.catalog import Measure, Source, Topic, TopicSource
from app.models.estimates import Citation, Estimate, Revision, place
from app.models.history import CatalogRevision, ChainHead
from app.models.proposals import Proposal

__all__ = [
    "ApiToken",
    "CatalogRevision",
    "ChainHead",
    "Citation",
    "CitedPage",
    "Estimate",
    "LoginSession",
    "LoginThrottle",
    "Measure",
    "PageCapture",
    "Proposal",
    "QuoteCheck",
    "Revision",
    "Source",
    "Topic",
    "TopicSource",
    "UTCDateTime",
    "User",
    "place",
    "utcnow",
]
