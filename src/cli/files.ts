/** Output files: never overwrite what a user already has unless they ask. */
import { writeFile } from "node:fs/promises";
import { InputError } from "../errors.js";

/** Writes a file that must not exist yet (exclusive create), else a clear error. */
export async function writeNewFile(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeFile(path, data, { flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST")
      throw new InputError(path, "already exists (use --force to overwrite)");
    throw err;
  }
}
