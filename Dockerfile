# rongsync service image. Runs `rongsync serve` by default; any other command works too
# (`docker run … rongsync migrate`, `… plan`, `… report`).
#
# Not built on the development machines (they have no Docker engine); kept simple on purpose:
# Node 20 on Debian slim, dependencies from the lock file, the Prisma client generated at build
# time without network access to Prisma's binary hosts (scripts/generate.js).
FROM node:20.20-bookworm-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
WORKDIR /app

COPY package.json package-lock.json ./
# tsx runs the TypeScript sources, so only devDependencies (tests, benches) are left out.
RUN npm ci --omit=dev --no-audit && npm cache clean --force

COPY bin ./bin
COPY scripts/generate.js ./scripts/generate.js
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json ./
COPY src ./src
RUN node scripts/generate.js

USER node
# DATABASE_URL, RONGCLOUD_APP_KEY, RONGCLOUD_APP_SECRET (and the rest of .env.example) come from
# the environment. SIGTERM stops `serve` gracefully: the run in flight is aborted cleanly and the
# leader lock released.
ENTRYPOINT ["node", "bin/rongsync.js"]
CMD ["serve"]
