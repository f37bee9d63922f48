# rongsync service image. Runs `rongsync serve` by default; any other command works too
# (`docker run … rongsync migrate`, `… plan`, `… report`).
#
# Not built on the development machines (they have no Docker engine). scripts/docker-steps.ts
# reads this file and performs its COPY and RUN steps in a clean folder, then runs `migrate` and
# `plan` the way the ENTRYPOINT would (test/docker/docker-steps.test.ts): keep the steps plain
# COPY / RUN / ENV lines, and teach that script any new RUN step. Node 20 on Debian slim,
# dependencies from the lock file, the Prisma client generated at build time without network
# access to Prisma's binary hosts (scripts/generate.js).
FROM node:20.20-bookworm-slim

# tini as PID 1: forwards SIGTERM/SIGINT to node (so `serve` stops gracefully: the run in flight
# is aborted cleanly and the leader lock released) and reaps zombie processes.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    RONGSYNC_HTTP_HOST=0.0.0.0
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --no-audit

# Compiled once here: the image runs dist/ with plain node (bin/rongsync.js takes dist/ when src/
# is absent) — no tsx, no TypeScript and no devDependencies at run time.
COPY bin ./bin
COPY scripts/generate.js scripts/healthcheck.js ./scripts/
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit && npm cache clean --force && rm -rf src

USER node
# DATABASE_URL, RONGCLOUD_APP_KEY, RONGCLOUD_APP_SECRET (and the rest of .env.example) come from
# the environment. `serve` answers /readyz on RONGSYNC_HTTP_PORT (default 9300); the check uses
# node itself, since the slim image has no curl. One-shot commands (migrate, plan) end before the
# first check.
EXPOSE 9300
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "scripts/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/rongsync.js"]
CMD ["serve"]
