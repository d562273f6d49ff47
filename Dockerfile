# syntax=docker/dockerfile:1
#
# The Lotse image: a release build in the Rust image, then a slim Debian
# with the binary, curl for the health check, and a non-root user. The seed
# data, the Swagger UI and GraphiQL are compiled into the binary.
#
#   docker build -t lotse .
#   docker run -p 8080:8080 -v lotse-data:/data lotse      # SQLite in /data
#   docker run lotse --help                                # every command
#
# docker-compose.yml runs it on PostgreSQL behind nginx; docs/operations.md
# describes every setting.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# The registry and target directory are BuildKit cache mounts, kept between
# builds; the binary is copied out of the target mount in the same step.
# .cargo/config.toml (mimalloc's build flag) is part of the context.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p lotse \
    && cp target/release/lotse /usr/local/bin/lotse

FROM debian:bookworm-slim
# curl: the HEALTHCHECK (/bin/sh is dash, which has no /dev/tcp);
# ca-certificates: trust roots for curl over https when debugging (the
# binary's TLS to PostgreSQL uses roots compiled in, webpki-roots).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 lotse \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin lotse \
    && mkdir -p /data \
    && chown 10001:10001 /data
COPY --from=build /usr/local/bin/lotse /usr/local/bin/lotse

# The SQLite default lives in the volume; with PostgreSQL (DATABASE_URL=
# postgres://…) /data stays empty. Give `--index-dir /data/index` to keep
# the search index across restarts.
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001
ENV LOTSE_ADDR=0.0.0.0:8080 \
    LOTSE_LOG_FORMAT=json \
    DATABASE_URL=sqlite:///data/lotse.db?mode=rwc
EXPOSE 8080

# Liveness on the public listener (/health never touches the database; an
# address other than LOTSE_ADDR's port 8080 needs its own check). The start
# period covers migrations, the seed and the search index build.
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
    CMD ["curl", "--fail", "--silent", "--show-error", "--max-time", "2", "--output", "/dev/null", "http://127.0.0.1:8080/health"]

# lotse is PID 1 and takes SIGTERM itself: requests in flight finish, for at
# most LOTSE_SHUTDOWN_TIMEOUT_SECS (30 s); give `docker stop -t 35`.
ENTRYPOINT ["lotse"]
CMD ["serve"]
