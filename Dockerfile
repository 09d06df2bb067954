FROM python:3.11-slim

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
CMD ["sh", "-c", "reckon db upgrade && exec uvicorn --factory app.main:create_app --host 0.0.0.0 --port 8000 --proxy-headers --workers 2"]
