# One image for every service of docker-compose.yml: the web app (gunicorn) and the
# scheduler process (relogement scheduler) run the same code with different commands.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    RELOGEMENT_DATA_DIR=/data

# WeasyPrint (PDF reports) needs Pango and a font; nothing else is native.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY events events
COPY platform platform
COPY projections projections
COPY runtime runtime
COPY simulation simulation
COPY housing_aid housing_aid
COPY web web
RUN pip install .

RUN useradd --create-home --uid 10001 relogement && mkdir -p /data && chown relogement /data
USER relogement

EXPOSE 8000
# gthread workers and client timeouts: web/gunicorn_conf.py (slow clients).
CMD ["gunicorn", "-c", "python:relogement.web.gunicorn_conf", "relogement.runtime:create_app()"]
