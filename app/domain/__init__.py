"""The domain layer: pure Python — vocabulary, figures, dates, errors. No web framework, no ORM."""
