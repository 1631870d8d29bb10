# syntax=docker/dockerfile:1
# BaoLife server image (docs/operations.md "Deployment").
#
#   docker build \
#     --build-arg VERSION=0.1.0 \
#     --build-arg BUILD_ID="$(git rev-parse HEAD)" \
#     --build-arg BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
#     [--build-arg EXTRAS=sentry] \
#     -t baolife:0.1.0 .
#
# Two stages: the first installs the locked dependencies and the project into a
# virtual environment with uv; the second copies only that environment onto a
# clean slim Python and runs it as an unprivileged user.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.9
# Optional extras of pyproject.toml, e.g. --build-arg EXTRAS=sentry (SENTRY_DSN).
ARG EXTRAS=""
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/baolife
WORKDIR /src
# Dependencies first, from the lock alone: this layer is cached until uv.lock changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project ${EXTRAS:+--extra "$EXTRAS"}
# Then the project itself, installed as a wheel (not a link to /src).
COPY src ./src
RUN uv sync --frozen --no-dev --no-editable ${EXTRAS:+--extra "$EXTRAS"}

FROM ${PYTHON_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG BUILD_ID=unknown
ARG BUILD_DATE=unknown
LABEL org.opencontainers.image.title="baolife" \
      org.opencontainers.image.description="BaoLife life-simulation game server (WebSocket, port 8001)" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${BUILD_ID}" \
      org.opencontainers.image.created="${BUILD_DATE}"
RUN groupadd --system --gid 10001 baolife \
 && useradd --system --uid 10001 --gid baolife --home-dir /var/lib/baolife \
      --create-home --shell /usr/sbin/nologin baolife
COPY --from=build /opt/baolife /opt/baolife
ENV PATH=/opt/baolife/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
# The working directory is the user's own: the SQLite default (./baolife.db) is
# writable there for a trial run; production sets BAOLIFE_DB_URL to MySQL.
WORKDIR /var/lib/baolife
USER 10001:10001
EXPOSE 8001
CMD ["baolife", "serve", "--host", "0.0.0.0"]
