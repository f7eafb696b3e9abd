/**
 * PhysioNet/CinC Challenge 2021 samples: 12-lead 500 Hz records (MATLAB v4 + WFDB header) from
 * PTB-XL (HR*), Georgia (E*) and Chapman-Shaoxing-Ningbo (JS*), diagnoses as SNOMED CT codes in
 * the `# Dx:` header comment.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Split } from "../example.js";
import { type OnRecord, readRecordInfo, type RecordInfo } from "../records.js";
import { snomedName } from "../snomed.js";
import { cinc2021Split } from "../splits.js";

export interface Cinc2021Record {
  info: RecordInfo;
  split: Split;
  patient: string;
  codes: string[];
  /** English names, in header order. */
  diagnoses: string[];
}

/** The SNOMED codes of a `# Dx: a,b,c` comment. */
export function dxCodes(comments: readonly string[]): string[] {
  const line = comments.find((c) => /^\s*Dx\s*:/i.test(c));
  if (!line) return [];
  return line
    .replace(/^\s*Dx\s*:/i, "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => /^\d+$/.test(s));
}

export async function loadCinc2021(dataDir: string, onRecord?: OnRecord): Promise<Cinc2021Record[]> {
  const names = (await readdir(join(dataDir, "cinc2021")))
    .filter((f) => f.endsWith(".hea"))
    .map((f) => f.slice(0, -4))
    .sort();
  const out: Cinc2021Record[] = [];
  for (const [k, name] of names.entries()) {
    onRecord?.(k, names.length);
    const info = await readRecordInfo(dataDir, `cinc2021/${name}`);
    const codes = dxCodes(info.comments);
    out.push({
      info,
      split: cinc2021Split(name),
      patient: `cinc2021:${name}`,
      codes,
      diagnoses: codes.map(snomedName),
    });
  }
  return out;
}
