# One image recipe for both services; SERVICE picks which (service-a or service-b).
# Build from the repository root, which holds the lock file and the shared workspace:
#   docker build --build-arg SERVICE=service-a -t kafka-http/service-a .
#   docker build --build-arg SERVICE=service-b -t kafka-http/service-b .
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
# No install scripts are needed to compile; skipping them keeps the build free of native toolchains.
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY tsconfig.base.json tsconfig.json ./
COPY common/ common/
COPY ${SERVICE}/ ${SERVICE}/
# Builds the service and the project it references (common).
RUN npx tsc -b ${SERVICE}

# ---- runtime: the service's production dependencies plus the compiled output ----
FROM node:20-bookworm-slim AS runtime
ARG SERVICE=service-a
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    SERVICE=${SERVICE}
WORKDIR /app

COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/common/package.json common/
COPY --from=build /app/tools/local-kafka/package.json tools/local-kafka/
COPY --from=build /app/service-a/package.json service-a/
COPY --from=build /app/service-b/package.json service-b/
RUN npm ci --omit=dev --workspace @kafka-http/${SERVICE} --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

COPY --from=build /app/common/dist common/dist
COPY --from=build /app/${SERVICE}/dist ${SERVICE}/dist

# Files stay owned by root, so the service cannot modify its own code.
USER node
# service-a listens on 5101, service-b on 5102 (PORT overrides).
EXPOSE 5101 5102

# The image has no curl; Node 20's built-in fetch does the job. Without PORT, each service's default.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const p=process.env.PORT||(process.env.SERVICE==='service-b'?5102:5101);fetch('http://127.0.0.1:'+p+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

CMD ["sh", "-c", "exec node --enable-source-maps \"$SERVICE/dist/main.js\""]
