# The Micromegas-compatible dev server with sample telemetry (pkg/devserver).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund --no-save
COPY pkg ./pkg
# The dev server shares the SQL lexer with the plugin.
COPY src/shared ./src/shared
EXPOSE 50051
ENTRYPOINT ["node", "--import", "tsx", "pkg/devserver/main.ts"]
