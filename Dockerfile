# syntax=docker/dockerfile:1
# Rampart as a dedicated instance: PostgreSQL, keys and secrets from the environment (docs/self-hosting.md).
# Build: docker build -t rampart .   Run: docker compose up (compose.yaml), or the image with DATABASE_URL etc. set.

FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The strict install from the lock; npm install (same lock) only where a mirror lacks another platform's optional binaries.
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund

FROM deps AS build
ENV NEXT_TELEMETRY_DISABLED=1
COPY . .
# next build and the fingerprint npm start checks, so the container never builds at start-up.
RUN npx tsx --conditions=react-server scripts/build-once.ts

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOST=0.0.0.0 \
    RAMPART_DATA_DIR=/app/.data
WORKDIR /app
# The image's own unprivileged user (uid 1000) owns the app; local files and the mail outbox live in /app/.data (a volume).
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /app/.data && chown node:node /app/.data && chmod 700 /app/.data
USER node
EXPOSE 3000
# Liveness only: a database outage shows on /api/health/ready and must not get the container restarted.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["npm", "start"]
