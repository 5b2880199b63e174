# The image of `aimsc serve`: the engine over HTTP/JSON on port 7071 (README, "As a library, and
# as a server"), built from this checkout.
#
#   docker build -t aimsc .
#
# The rules are fixed when the server starts. Without any, it serves the shipped rulesets:
#
#   docker run --rm -p 127.0.0.1:7071:7071 aimsc
#
# An organisation's own rules, next to the shipped ones: mount the folder of .aims files and
# name both (arguments after the image go after `aimsc serve --bind 0.0.0.0:7071`):
#
#   docker run --rm -p 127.0.0.1:7071:7071 -v "$PWD/rules:/rules:ro" aimsc --rules @aimsc --rules /rules
#
# Or the whole project, whose aims.toml then says which rules to load, and its [limits]: the
# server runs in /org, where it finds aims.toml.
#
#   docker run --rm -p 127.0.0.1:7071:7071 -v "$PWD:/org:ro" aimsc
#
# The server runs as uid 10001: mounted rules must be readable by it. It listens on every
# interface of the container, so, unless the port is published on loopback alone as above, give
# it bearer tokens (one per line; /healthz, which the health check asks, needs none), in a file
# owned by uid 10001 with mode 600:
#
#   docker run --rm -p 7071:7071 -v "$PWD/tokens:/run/secrets/aimsc-tokens:ro" aimsc \
#     --token-file /run/secrets/aimsc-tokens

# 1.95, not the workspace's rust-version (1.89): the locked gix 0.91 and parking_lot 0.13 need
# it. The release workflow passes its own pinned toolchain.
ARG RUST_VERSION=1.95
# One Debian release for both stages, so that the binary meets the glibc it was linked against.
ARG DEBIAN_RELEASE=trixie

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS build
WORKDIR /src
COPY . .
# The caches outlive the build on one builder (local rebuilds take seconds); the binary is
# copied out of the target cache, which is not part of the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p aimsc-cli \
    && install -D -m 0755 target/release/aimsc /out/aimsc

FROM debian:${DEBIAN_RELEASE}-slim
# A named user, not a bare uid: tools that look the user up (ps, id, Kubernetes'
# runAsNonRoot) find one.
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin aimsc
COPY --from=build /out/aimsc /usr/local/bin/aimsc
WORKDIR /org
USER 10001:10001
EXPOSE 7071
# The slim image has no curl or wget, and one would be there only for this: bash's /dev/tcp
# sends the request, and the status line must say 200. Kubernetes ignores HEALTHCHECK; give
# its probes GET /healthz instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/7071 && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["aimsc", "serve", "--bind", "0.0.0.0:7071"]
