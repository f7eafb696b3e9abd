/**
 * A small RFC 4180 CSV reader: quoted fields may hold commas, doubled quotes and newlines (LUDB's
 * ludb.csv has multi-line cells). Enough for the metadata files of the source databases.
 */
import { InputError } from "../errors.js";

/** Parses CSV text into rows of fields. */
export function parseCsvRows(text: string, file: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field.length === 0) quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
    i++;
  }
  if (quoted) throw new InputError(file, "CSV ends inside a quoted field");
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

/** Parses CSV with a header row into objects keyed by column name. */
export function parseCsv(text: string, file: string): Record<string, string>[] {
  const rows = parseCsvRows(text.replace(/^\uFEFF/, ""), file);
  const header = rows.shift();
  if (!header) throw new InputError(file, "CSV file is empty");
  return rows.map((r, k) => {
    if (r.length !== header.length)
      throw new InputError(file, `row ${k + 2} has ${r.length} fields, the header has ${header.length}`);
    const o: Record<string, string> = {};
    header.forEach((h, j) => (o[h] = r[j]!));
    return o;
  });
}

/**
 * Parses a Python literal list of strings as ECG-QA and PTB-XL write them: "['no', 'yes']".
 * Returns [] for "[]" and throws for anything else.
 */
export function parsePythonStringList(text: string, file: string): string[] {
  const t = text.trim();
  if (!t.startsWith("[") || !t.endsWith("]")) throw new InputError(file, `not a list: ${t.slice(0, 40)}`);
  const out: string[] = [];
  const re = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(t); m; m = re.exec(t)) out.push((m[1] ?? m[2])!.replace(/\\(.)/g, "$1"));
  return out;
}

/** Parses a Python dict of string keys to numbers: "{'NORM': 100.0, 'SR': 0.0}" (PTB-XL scp_codes). */
export function parsePythonNumberDict(text: string, file: string): [string, number][] {
  const t = text.trim();
  if (!t.startsWith("{") || !t.endsWith("}")) throw new InputError(file, `not a dict: ${t.slice(0, 40)}`);
  const out: [string, number][] = [];
  const re = /'([^']*)'\s*:\s*(-?\d+(?:\.\d+)?)/g;
  for (let m = re.exec(t); m; m = re.exec(t)) out.push([m[1]!, Number(m[2])]);
  return out;
}
