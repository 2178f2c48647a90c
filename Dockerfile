# neuroroot: the FHIR service under gunicorn.
#   docker build -t neuroroot .
#   docker run -p 8080:8080 neuroroot                 (SQLite in /data inside the container)
#   docker compose up --build                         (with PostgreSQL: see docker-compose.yml)
# Configuration: the NEUROROOT_* variables and DATABASE_URL (README, "Configuration").

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# service/openapi.yaml is a link to the top-level openapi.yaml: both are needed.
COPY pyproject.toml README.md openapi.yaml ./
COPY service ./service
COPY terminology ./terminology
RUN pip install ".[postgres]"

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NEUROROOT_HOST=0.0.0.0 \
    NEUROROOT_PORT=8080 \
    NEUROROOT_SQLITE_PATH=/data/neuroroot.sqlite3
# A fixed, unprivileged user; /data is the only place it may write (the SQLite default).
RUN groupadd --system --gid 10001 neuroroot \
 && useradd --system --uid 10001 --gid neuroroot --no-create-home --home-dir /app \
            --shell /usr/sbin/nologin neuroroot \
 && mkdir -p /app /data \
 && chown neuroroot:neuroroot /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY gunicorn.conf.py ./
USER neuroroot:neuroroot
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('NEUROROOT_PORT', '8080'), timeout=3)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
