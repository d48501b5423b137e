# graphsoar container image: a release build on the official Rust image, run from a small Debian
# image as a non-root user. Build: `docker build -t graphsoar .`. Run (the embedded local tenant,
# a demo): `docker run --rm -p 9464:9464 graphsoar`. A real tenant: mount your settings at
# /etc/graphsoar/graphsoar.yaml (see examples/production.yaml), your playbooks at
# /etc/graphsoar/playbooks, and keep /var/lib/graphsoar (the state) on a volume. README
# ("Running in production") has the rest.
#
# The builder and the runtime image are the same Debian release (trixie), so the binary finds the
# glibc it was linked against. .ci/run runs the build stage's RUN lines on every change, so keep
# each of them on one line.

FROM rust:1.95-trixie AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:trixie-slim
# CA certificates: the client verifies Graph, Entra and SMTP servers against the system's roots.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 graphsoar && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/graphsoar --shell /usr/sbin/nologin graphsoar
COPY --from=build /src/target/release/graphsoar /usr/local/bin/graphsoar
# Settings for the embedded local tenant; mount your own over it. The shipped playbooks seed the
# playbooks volume the first time it is used.
COPY deploy/container.yaml /etc/graphsoar/graphsoar.yaml
COPY playbooks/ /etc/graphsoar/playbooks/
RUN mkdir -p /var/lib/graphsoar && chown 10001:10001 /var/lib/graphsoar
USER 10001:10001
WORKDIR /var/lib/graphsoar
VOLUME ["/var/lib/graphsoar", "/etc/graphsoar/playbooks"]
# /healthz, /readyz and /metrics (the settings' `listen`).
EXPOSE 9464
# The engine stops on SIGTERM and lets running actions finish for --shutdown-grace (30s): give
# `docker stop` more than that (`--stop-timeout 40`, or `stop_grace_period: 40s` in compose).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["graphsoar", "health", "--config", "/etc/graphsoar/graphsoar.yaml", "--timeout", "5s"]
ENTRYPOINT ["graphsoar"]
CMD ["run", "--config", "/etc/graphsoar/graphsoar.yaml"]
