"""Form binding: what was typed, kept as typed, turned into checked service input."""
