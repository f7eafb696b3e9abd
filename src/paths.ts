/** Where the package's own files are, from src/ (tsx, tests) and dist/ (installed) alike. */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package folder: one level above this module's folder (src/ or dist/). */
export function packageRoot(): string {
  return resolve(fileURLToPath(new URL("..", import.meta.url)));
}

/** The shipped checkpoint, used when no `--model` is given. */
export function defaultModelDir(): string {
  return resolve(packageRoot(), "models", "anyecg-small");
}
