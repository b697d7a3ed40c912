# syntax=docker/dockerfile:1
# Container image of the orchestrator:   docker build -t opencloudedge-mano .
# Stages, so that the image holds neither the TypeScript toolchain, the sources, the dev dependencies nor a
# compiler: `build` compiles, `deps` installs the production dependencies, `helm` provides the helm binary,
# `runtime` only copies.
# Base images are pinned to a full version (add @sha256:… for byte-for-byte rebuilds); test/deploy checks it.

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# tsc needs no native module built: skip install scripts (better-sqlite3's download or compilation)
RUN npm ci --ignore-scripts --no-audit --no-fund
# the whole (filtered, see .dockerignore) context: `npm run build` may grow beyond tsc (the web UI)
COPY . .
RUN npm run build

FROM node:20.20.2-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 downloads a prebuilt binary; where none exists for the platform it compiles, which needs these
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN SCARF_ANALYTICS=false npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Helm 3 for Helm-chart KDUs (without it they are refused with 422): the static binary of the pinned helm image
FROM alpine/helm:3.16.4 AS helm

FROM node:20.20.2-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="OpenCloudEdge MANO" \
      org.opencontainers.image.description="NFV MANO with OSM's northbound API" \
      org.opencontainers.image.licenses="Apache-2.0"
# tini as PID 1: passes SIGTERM on to node (graceful shutdown) and reaps the children of helm and scripts
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
# a fixed non-root uid/gid (Kubernetes' runAsNonRoot can only verify a numeric USER); the code stays root-owned,
# so the service cannot change itself; only /data is its own
RUN groupadd --system --gid 10001 mano \
  && useradd --system --uid 10001 --gid mano --home-dir /data --no-create-home --shell /usr/sbin/nologin mano \
  && mkdir -p /data && chown mano:mano /data && chmod 0700 /data
WORKDIR /app
ENV NODE_ENV=production \
    MANO_DATA_DIR=/data \
    MANO_HTTP_HOST=0.0.0.0
# MANO_HTTP_HOST=0.0.0.0: inside a container 127.0.0.1 is the container's own loopback, unreachable from a
# published port or a Kubernetes Service. Plain HTTP carries tokens in clear: publish 9998 only on a trusted
# network (docker run -p 127.0.0.1:9998:9998), or set MANO_HTTP_PORT=0 to turn it off.
COPY --from=helm /usr/bin/helm /usr/local/bin/helm
COPY --from=deps /app/node_modules ./node_modules
# package.json: src/version.ts reads the version from it
COPY package.json ./
# dist: the compiled service and adapters, with the JSON schemas tsc emits beside them (and dist/ui when built)
COPY --from=build /src/dist ./dist
# the example packages, for onboarding from inside the container (docker cp / kubectl cp not needed)
COPY descriptors ./descriptors
USER 10001:10001
VOLUME ["/data"]
EXPOSE 9999 9998
# no curl in a slim image: node itself asks the HTTPS listener (always on; the plain one may be off)
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "require('https').get({host:'127.0.0.1',port:Number(process.env.MANO_PORT||9999),path:'/readyz',rejectUnauthorized:false,timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--max-semi-space-size=8", "dist/src/main.js"]
