/**
 * The one error type for bad input: it always names the file and the problem, so a user can
 * act on it ("101.dat: file ends after 649999 of 650000 samples"), and the CLI and server can
 * tell it apart from a bug.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";

export class InputError extends Error {
  readonly file: string;
  readonly problem: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = "InputError";
    this.file = file;
    this.problem = problem;
  }
}

/** A user's text file (data file, config, tokenizer); a missing or unreadable one is an `InputError` naming it. */
export async function readInputText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw unreadable(path, e);
  }
}

/** `readInputText` for synchronous callers. */
export function readInputTextSync(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw unreadable(path, e);
  }
}

function unreadable(path: string, e: unknown): InputError {
  return new InputError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
}
