"""Reckon: conflicting estimates, recorded per source and shown side by side."""
