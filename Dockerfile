# The enrichment service under gunicorn, as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ENRICHER_PORT=8080 \
    ENRICHER_WORKERS=2

WORKDIR /app
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin enricher

COPY pyproject.toml README.md openapi.yaml ./
COPY mappings ./mappings
COPY service ./service
# Editable: the service reads mappings/ and openapi.yaml beside the package, here in /app.
RUN pip install -e . && python -c "from service import create_app; create_app()"

USER enricher
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('ENRICHER_PORT', '8080') + '/healthz', timeout=4)"]
CMD ["enricher", "serve", "--host", "0.0.0.0"]
