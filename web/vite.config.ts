/**
 * The web page of `anyecg serve`: plain TypeScript built by Vite into dist/web, which the
 * server serves at `/`. `npx vite web` runs a dev server that forwards the API to a running
 * `anyecg serve` on port 8080.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));
const api = { target: "http://127.0.0.1:8080", changeOrigin: false };

export default defineConfig({
  root: here,
  base: "./",
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
  },
  server: { proxy: { "/api": api, "/v1": api, "/health": api } },
});
