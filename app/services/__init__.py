"""Domain logic and every query. Services take a Session, flush, never commit."""

# Every session queues a capture of each citation URL it saves (a listener in capture.py),
# whichever service saves it: imported with the package so that none can miss it.
from app.services import capture as capture
