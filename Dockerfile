# syntax=docker/dockerfile:1
# The LPO image: the `lpo` binary on Debian 12 (bookworm), as a non-root user, with the bundled
# sample configuration, so that it runs out of the box:
#   docker build -t lpo .
#   docker run --rm -p 8080:8080 lpo                 # lpo serve on 0.0.0.0:8080, bundled config
#   docker run --rm lpo quote --to-postcode 3000 --weight-kg 2.5 --dims-cm 30x20x10
# In Kubernetes the config comes from git instead (deploy/k8s, `--config /config/repo/lpo.yaml`).
# The builder and the runtime are the same Debian release, so the binary links against the
# glibc and libstdc++ it was built with.

# --- build ------------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
WORKDIR /src

# What the build needs beyond Rust (CMake, make, a C++ compiler, libclang for HiGHS), installed by
# the script CI runs (.ci/run) and the README's quick start, in a layer of its own so that source
# changes do not repeat it. It runs as root without prompts (apt-get -y, DEBIAN_FRONTEND set by the
# script). It also installs Chromium, which only the test suite needs. The script has no switch to
# skip it, so this build stage carries it, and the runtime image below does not.
COPY scripts/setup scripts/setup
RUN scripts/setup

COPY . .
# The cache mounts keep the crates and the target folder, HiGHS's CMake build included (about
# 3 minutes on two cores), from one image build to the next. The binary is copied out of the
# cache mount, which is not part of the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && install -D -m 0755 target/release/lpo /out/lpo

# --- runtime ----------------------------------------------------------------------------------
FROM debian:bookworm-slim

# libstdc++6: HiGHS is C++ (linked statically, its runtime dynamically).
# git: `lpo diff --base <revision>` reads the base side with git (deploy/argo/pr-check.yaml).
# tzdata: the Argo templates resolve `today` in a named time zone.
# ca-certificates: for git over HTTPS.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git libstdc++6 tzdata \
    && rm -rf /var/lib/apt/lists/*

# A fixed numeric UID/GID, so that Kubernetes can check runAsNonRoot and runAsUser: 10001 matches.
RUN groupadd --system --gid 10001 lpo \
    && useradd --system --uid 10001 --gid lpo --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin lpo

COPY --from=builder /out/lpo /usr/local/bin/lpo

# The bundled configuration, owned by root and read-only to the service: lpo.yaml and the folders
# it names (data/, rules/, constraints/). lpo finds lpo.yaml in its working folder.
WORKDIR /opt/lpo
COPY lpo.yaml ./
COPY data/ data/
COPY rules/ rules/
COPY constraints/ constraints/

USER 10001:10001
# Fails the build if the binary cannot start here (a missing shared library) or the bundled
# configuration does not load.
RUN ["lpo", "validate"]

EXPOSE 8080
ENTRYPOINT ["lpo"]
# Listen on all interfaces (the default is loopback only, useless in a container); JSON logs.
CMD ["serve", "--addr", "0.0.0.0:8080", "--log-format", "json"]
