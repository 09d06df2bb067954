"""Pydantic models: what the API and the services accept, and what the API answers."""
