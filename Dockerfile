# Multi-stage build: compile in the Rust image, run in a slim Debian with the
# binary only. The seed data is compiled into the binary.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p lotse && cp target/release/lotse /lotse

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /data lotse && mkdir -p /data && chown lotse /data
COPY --from=build /lotse /usr/local/bin/lotse
USER lotse
WORKDIR /data
ENV LOTSE_ADDR=0.0.0.0:8080 LOTSE_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
ENTRYPOINT ["lotse"]
CMD ["serve"]
