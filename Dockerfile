# ktrdr-agent: the research worker (and the rest of the CLI) as a container image.
#
#   docker build -t ktrdr-agent .
#   docker run --rm -e TEMPORAL_ADDRESS=temporal.example:7233 ktrdr-agent            # runs `worker`
#   docker run --rm ktrdr-agent --help                                               # any other subcommand
#
# docker-compose.yml builds this image for its `worker` and `services` services.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: all dependencies, compile TypeScript to dist/, then drop the dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Dependencies first, so this layer is reused while only the sources change.
# --ignore-scripts: package.json's allowScripts already refuses the only two install scripts in the
# tree (@swc/core, protobufjs), and `prepare` (the build) needs the sources, which come next.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: production dependencies, the compiled code and the bin script, as a non-root user ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app

COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The example strategies (.dockerignore keeps the agent's designs and local results out).
COPY --chown=node:node strategies ./strategies

# The code stays root-owned and read-only to the process. What it writes goes to folders that
# `node` (uid 1000, the unprivileged user the official image ships) owns: strategies (the agent's
# designs go to strategies/designed/), models, reports, and the local state in .data (the
# services' state, Claude transcripts; see src/paths.ts). docker-compose.yml mounts named volumes
# on these folders, and Docker fills an empty named volume from the image, owner and examples
# included: without them here, the volumes would start root-owned and unwritable.
RUN mkdir -p strategies/designed models reports .data/services \
 && chown node:node strategies strategies/designed models reports .data .data/services
USER node

ENTRYPOINT ["node", "bin/ktrdr-agent.js"]
CMD ["worker"]
