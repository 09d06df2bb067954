"""Datasette as an ASGI app, so that uvicorn serves it with the same settings as Reckon.

Run with the Datasette virtual environment's uvicorn; BENCH_DB names the SQLite file."""

from __future__ import annotations

import os

from datasette.app import Datasette  # type: ignore[import-not-found]

app = Datasette([os.environ["BENCH_DB"]], settings={"default_page_size": 100}).app()
