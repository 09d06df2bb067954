"""Domain logic and every query. Services take a Session, flush, never commit."""
