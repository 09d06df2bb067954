FROM python:3.11-slim

# PostgreSQL roles (README, "PostgreSQL roles"): the app serves with RECKON_DATABASE_URL, a
# serving role that may add to the history but not rewrite it and may not change the schema;
# `reckon db upgrade` migrates with RECKON_MIGRATION_DATABASE_URL, the owner role (unset: the
# same URL). The start below migrates first, so give the container both, e.g.
#   -e RECKON_MIGRATION_DATABASE_URL=postgresql+psycopg://reckon_owner:…@db/reckon
#   -e RECKON_DATABASE_URL=postgresql+psycopg://reckon_app:…@db/reckon
# or run `reckon db upgrade` as a one-off job with the owner's URL and give the serving
# container RECKON_DATABASE_URL alone (at the latest schema its upgrade changes nothing).
# `reckon backup` / `reckon restore` on PostgreSQL need pg_dump / pg_restore, which this image
# does not include: run them where the PostgreSQL client is installed (README, "Backup and
# restore").

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    RECKON_ENVIRONMENT=production

RUN useradd --create-home --uid 10001 reckon
WORKDIR /srv/reckon

COPY pyproject.toml constraints.txt README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY demo ./demo
# Editable: templates, static files and migrations are read from this folder at run time.
RUN pip install -c constraints.txt -e . && mkdir -p data && chown reckon:reckon data

USER reckon
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
# RECKON_DATABASE_URL must point at PostgreSQL, e.g. postgresql+psycopg://user:pass@db/reckon
# RECKON_ALLOWED_HOSTS is required: the host names the site is reached by, comma-separated
#   (e.g. reckon.example.org); any other Host header gets 400 (/healthz answers any host, for
#   the health check above).
# RECKON_BASE_URL (e.g. https://reckon.example.org): absolute links and redirects are built
#   from it, never from the Host header.
# RECKON_FORWARDED_ALLOW_IPS: the reverse proxy's address(es) or network, comma-separated
#   (e.g. 10.0.0.5 or 172.18.0.0/16). Only from these are X-Forwarded-For and
#   X-Forwarded-Proto believed, by the app itself: uvicorn runs with --no-proxy-headers so it
#   rewrites nothing first. Unset, the client is the connecting address, as it should be when
#   nothing stands in front. The client is the last X-Forwarded-For entry not in this list,
#   so a proxy that appends to the header cannot be fooled by what the client sent in it.
# RECKON_SECURE_COOKIES=true behind HTTPS: __Host- cookies and HSTS.
# RECKON_ENABLE_DOCS=true serves /docs and /openapi.json (off in production otherwise).
CMD ["sh", "-c", "reckon db upgrade && exec uvicorn --factory app.main:create_app --host 0.0.0.0 --port 8000 --no-proxy-headers --workers 2"]
