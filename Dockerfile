# The enrichment service under gunicorn, as a non-root user.

# Build stage: the full Python image has a C compiler, so the wheel carries the compiled engine
# (setup.py: a wheel build runs mypyc; an editable install never does). Both stages are the same Debian
# release and CPython build, so the wheel fits. The stage fails if the wheel holds no compiled engine.
FROM python:3.11 AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml setup.py README.md openapi.yaml /tmp/src/
COPY mappings /tmp/src/mappings
COPY service /tmp/src/service
RUN pip wheel --no-deps --wheel-dir /tmp/wheels /tmp/src \
    && python -c "import glob, sys, zipfile; (wheel,) = glob.glob('/tmp/wheels/*.whl'); \
sys.exit(None if any(n.startswith('service/extract/reader.') and n.endswith('.so') \
for n in zipfile.ZipFile(wheel).namelist()) else 'the engine did not compile: ' + wheel)"

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ENRICHER_HOST=0.0.0.0 \
    ENRICHER_PORT=8080 \
    ENRICHER_WORKERS=2

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin enricher

# A normal install of the wheel: it carries mappings/ and openapi.yaml inside the package; the check
# fails the build if the engine did not compile or the app does not start.
COPY --from=build /tmp/wheels /tmp/wheels
RUN pip install /tmp/wheels/*.whl && rm -rf /tmp/wheels \
    && python -W error -c "import service.extract as e; assert e.COMPILED; from service import create_app; create_app()"

WORKDIR /app

USER enricher
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('ENRICHER_PORT', '8080') + '/healthz', timeout=4)"]
# Listens on every interface (ENRICHER_HOST), so `enricher serve` refuses to start without authentication:
# pass ENRICHER_JWT_ISSUER, ENRICHER_JWT_AUDIENCE and ENRICHER_JWT_JWKS_URL (or ENRICHER_JWT_PUBLIC_KEY), or
# ENRICHER_API_KEY_HASHES; or ENRICHER_INSECURE=1 behind a proxy that authenticates (README, "Security").
CMD ["enricher", "serve"]
