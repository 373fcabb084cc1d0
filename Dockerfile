# The enrichment service under gunicorn, as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ENRICHER_PORT=8080 \
    ENRICHER_WORKERS=2

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin enricher

# A normal install: the wheel carries mappings/ and openapi.yaml inside the package. The sources
# are removed afterwards, so nothing can shadow the installed package.
COPY pyproject.toml README.md openapi.yaml /tmp/src/
COPY mappings /tmp/src/mappings
COPY service /tmp/src/service
RUN pip install /tmp/src && rm -rf /tmp/src && python -c "from service import create_app; create_app()"

WORKDIR /app

USER enricher
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('ENRICHER_PORT', '8080') + '/healthz', timeout=4)"]
CMD ["enricher", "serve", "--host", "0.0.0.0"]
