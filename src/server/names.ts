/**
 * Uploaded file names. Files are stored under `<data dir>/<generated id>/`, and the only part of
 * a user's name we keep is a plain base name (the WFDB header refers to its `.dat` by name, so
 * the name must survive). Anything that could leave that folder is refused, not "cleaned".
 */
import { InputError } from "../errors.js";

/** Longest kept name; WFDB record names are short, and this keeps paths well inside OS limits. */
const MAX_NAME = 120;
const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/** Shows a hostile name safely inside an error message. */
export function printableName(name: string): string {
  const shown = JSON.stringify(name.length > 60 ? name.slice(0, 60) + "..." : name);
  return shown.replace(/\\u0000/g, "\\0");
}

/**
 * Returns `name` when it is a plain file name (letters, digits, `_ . + -`, not starting with a
 * dot, no path separator, no NUL, no `..`), else throws an InputError naming the problem.
 */
export function checkPlainName(name: string): string {
  const shown = printableName(name);
  if (name.length === 0) throw new InputError("upload", "a file has no name");
  if (name.includes("\0")) throw new InputError(shown, "file name contains a NUL character");
  if (/[/\\]/.test(name) || /^[A-Za-z]:/.test(name)) {
    throw new InputError(shown, "file name must not contain a path (no / \\ or drive letter)");
  }
  if (name.length > MAX_NAME) throw new InputError(shown, `file name is longer than ${MAX_NAME} characters`);
  if (name.includes("..") || !PLAIN.test(name)) {
    throw new InputError(
      shown,
      "file name may only hold letters, digits and _ . + - (not starting with a dot, no '..')",
    );
  }
  return name;
}

/** The last component of a zip entry path ("rec/100.hea" -> "100.hea"); zips keep folders. */
export function zipEntryBaseName(entry: string): string {
  const parts = entry.split(/[/\\]/);
  return parts[parts.length - 1] ?? "";
}
