"""Chart geometry: estimates in, coordinates out. Templates only draw what these modules
computed, so every position can be unit-tested. Pure Python, like the domain layer.

Labels are passed through untouched; escaping is the template engine's job, and escaping here
as well would double-escape."""
