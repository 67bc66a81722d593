# syntax=docker/dockerfile:1.7
#
# The milmove-load image: prime-load, office-load, milmove-load and milmove-sim on a slim Debian,
# run as a non-root user, with the pinned MilMove specs fetched (and checksum-verified) at build
# time. No secret is built in: client certificates, keys, the web login and the cluster token
# arrive as environment variables when the container starts and are only held in memory.
#
#   docker build -t milmove-load .
#   docker run --rm milmove-load prime-load --host sim --headless -u 20 -r 5 -t 30s
#
# Both stages use the same Debian release, so the binaries find the C library they were linked
# against. deploy/check/tests/dockerfile.rs checks that every path copied here exists and every
# binary run here is built.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

# ---------------------------------------------------------------------------------------------
FROM docker.io/library/rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS builder
WORKDIR /build

# The whole workspace: every member's manifest must be present for Cargo to read the workspace.
COPY Cargo.toml Cargo.lock ./
COPY crates crates
COPY apps apps
COPY deploy/check deploy/check
COPY static static

# Registry and target caches survive between builds on one builder (BuildKit); the binaries are
# copied out of the cache mount in the same step.
RUN --mount=type=cache,id=milmove-load-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=milmove-load-target,target=/build/target \
    cargo build --release --locked \
        -p prime-load -p office-load -p milmove-load -p milmove-sim \
    && mkdir -p /out/bin \
    && cp target/release/prime-load target/release/office-load target/release/milmove-load \
          target/release/milmove-sim /out/bin/

# The MilMove specs at the pinned commit, verified against their checksums. A mirror can be
# given with --build-arg MILMOVE_SPECS_URL=...
ARG MILMOVE_SPECS_URL=https://raw.githubusercontent.com/transcom/mymove
RUN MILMOVE_SPECS_URL="${MILMOVE_SPECS_URL}" /out/bin/milmove-sim --fetch-specs --swagger-dir /out/specs

# ---------------------------------------------------------------------------------------------
FROM docker.io/library/debian:${DEBIAN_RELEASE}-slim AS runtime

RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# A fixed numeric id, so Kubernetes' runAsNonRoot can check it without a passwd lookup.
RUN groupadd --system --gid 10001 milmove \
    && useradd --system --uid 10001 --gid milmove --home-dir /home/milmove --create-home \
        --shell /usr/sbin/nologin milmove

COPY --from=builder /out/bin/prime-load /out/bin/office-load /out/bin/milmove-load /out/bin/milmove-sim /usr/local/bin/
COPY --from=builder /out/specs /usr/share/milmove-load/specs

ENV MILMOVE_SWAGGER_DIR=/usr/share/milmove-load/specs

# The web UI (8089 by default, 4000 in the ECS tasks), the master's cluster port, and the
# metrics port of headless runs and workers.
EXPOSE 8089 4000 5557 9646

USER 10001:10001
WORKDIR /home/milmove

# Put the commit in last, so changing it does not invalidate the layers above.
ARG GIT_COMMIT=unknown
LABEL org.opencontainers.image.source="https://github.com/transcom/milmove-load" \
      org.opencontainers.image.revision="${GIT_COMMIT}" \
      org.opencontainers.image.licenses="MIT"
ENV GIT_COMMIT=${GIT_COMMIT}

CMD ["milmove-load", "--help"]
