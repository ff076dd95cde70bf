# Either service of the pair, chosen by the SERVICE build argument: service-a (produces POSTed
# messages to Kafka) or service-b (serves messages consumed from Kafka). Build from the repository
# root, which holds the lock file and the shared workspaces:
#   docker build --build-arg SERVICE=service-a -t kafka-http/service-a .
#   docker build --build-arg SERVICE=service-b --build-arg PORT=5102 -t kafka-http/service-b .
# Only classic Dockerfile features are used, so BuildKit and the legacy builder both work.

# ---- build: install everything (TypeScript is a root dev dependency) and compile ----
FROM node:20-bookworm-slim AS build
ARG SERVICE=service-a
WORKDIR /app

# npm ci checks the lock file against every workspace listed in the root package.json, so each
# workspace's package.json is copied, even those this image does not build. Copying manifests
# before sources keeps this layer cached until dependencies change.
COPY package.json package-lock.json ./
COPY common/package.json common/
COPY tools/local-kafka/package.json tools/local-kafka/
COPY service-a/package.json service-a/
COPY service-b/package.json service-b/
COPY bench/package.json bench/
# No install scripts are needed to compile; skipping them keeps the build free of native toolchains.
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY tsconfig.base.json tsconfig.json ./
COPY common/ common/
COPY tools/local-kafka/ tools/local-kafka/
COPY ${SERVICE}/ ${SERVICE}/
# Builds the service and what it references (common), and tools/local-kafka for its flag list.
RUN npx tsc -b ${SERVICE} tools/local-kafka
# The Node.js flags the service runs with, taken from the one list every launcher uses
# (tools/local-kafka/src/node-flags.ts) rather than written here again.
RUN node -e "process.stdout.write(require('./tools/local-kafka/dist/node-flags').SERVICE_NODE_FLAGS[process.argv[1]].join(' '))" "${SERVICE}" > node-flags

# service-a's outbox driver (better-sqlite3) is native: built here, where a compiler may be
# installed, and copied into the runtime image (same base image, same Node ABI).
RUN mkdir -p /native \
    && if [ "${SERVICE}" = service-a ]; then \
         apt-get update \
         && apt-get install -y --no-install-recommends python3 make g++ \
         && npm rebuild better-sqlite3 \
         && rm -rf /var/lib/apt/lists/* \
         && cp -r node_modules/better-sqlite3/build /native/better-sqlite3; \
       fi

# ---- runtime: production dependencies of the service (and common) plus the compiled output ----
FROM node:20-bookworm-slim AS runtime
ARG SERVICE=service-a
ARG PORT=5101
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=${PORT} \
    SERVICE=${SERVICE}
WORKDIR /app

COPY package.json package-lock.json ./
COPY common/package.json common/
COPY tools/local-kafka/package.json tools/local-kafka/
COPY service-a/package.json service-a/
COPY service-b/package.json service-b/
COPY bench/package.json bench/
RUN npm ci --omit=dev --workspace @kafka-http/${SERVICE} --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

COPY --from=build /native/ /tmp/native/
RUN if [ -d /tmp/native/better-sqlite3 ]; then \
      cp -r /tmp/native/better-sqlite3 node_modules/better-sqlite3/build; \
    fi \
    && rm -rf /tmp/native
COPY --from=build /app/common/dist common/dist
COPY --from=build /app/${SERVICE}/dist ${SERVICE}/dist
COPY --from=build /app/node-flags node-flags
# Avro schemas (and, for service-a, message types) are read at start-up.
COPY schemas/ schemas/

# service-a's outbox of `?async=true` (SQLite): the one folder a service writes; keep it on a
# volume so accepted messages survive a new container. (service-b writes nothing.)
ENV OUTBOX_DIR=/data/outbox
RUN mkdir -p /data/outbox && chown node:node /data/outbox
VOLUME /data/outbox

# Files stay owned by root, so the service cannot modify its own code.
USER node
EXPOSE ${PORT}

# The image has no curl; Node 20's built-in fetch does the job.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# exec: the shell hands over to node, which gets the stop signals itself. The flags come from
# node-flags (above).
CMD exec node --enable-source-maps $(cat node-flags) "${SERVICE}/dist/main.js"
