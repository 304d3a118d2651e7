# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY native-free-ringbuffer ./native-free-ringbuffer
COPY engine ./engine
COPY workers ./workers
COPY api ./api
COPY bench ./bench
COPY test ./test
RUN npm run build

# Runtime stage: production dependencies and the compiled engine only, as a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/native-free-ringbuffer ./dist/native-free-ringbuffer
COPY --from=build /app/dist/engine ./dist/engine
COPY --from=build /app/dist/workers ./dist/workers
COPY --from=build /app/dist/api ./dist/api
USER node
EXPOSE 8080 9001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.TICKRING_HTTP_PORT||8080)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "--use-largepages=silent", "dist/workers/main.js"]
CMD ["start"]
