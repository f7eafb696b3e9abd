/**
 * WFDB annotation files in MIT format (read and write).
 *
 * Each entry is a 16-bit little-endian word: the top 6 bits a code A, the low 10 bits a value I.
 * A in 1..49 is an annotation of that code, I samples after the previous one. Pseudo-codes
 * modify the annotation just read (SUB subtype, CHN channel, NUM annotator number, AUX I bytes
 * of text padded to even length) or move the time (SKIP: a 32-bit interval in PDP-11 order,
 * high 16-bit word first, applied to the next annotation). CHN and NUM persist until changed;
 * SUB does not. A = 0 with I = 0 ends the file.
 */
import { readFile, writeFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import type { EcgAnnotation } from "../record.js";
import { InputError } from "../../errors.js";

const SKIP = 59;
const NUM = 60;
const SUB = 61;
const CHN = 62;
const AUX = 63;

/** WFDB's standard code table (ecgcodes.h), indexed by code; "[n]" for codes with no mnemonic. */
export const ANNOTATION_CODES: readonly string[] = (() => {
  const table = [
    "",
    "N",
    "L",
    "R",
    "a",
    "V",
    "F",
    "J",
    "A",
    "S",
    "E",
    "j",
    "/",
    "Q",
    "~",
    "",
    "|",
    "",
    "s",
    "T",
    "*",
    "D",
    '"',
    "=",
    "p",
    "B",
    "^",
    "t",
    "+",
    "u",
    "?",
    "!",
    "[",
    "]",
    "e",
    "n",
    "@",
    "x",
    "f",
    "(",
    ")",
    "r",
  ];
  const codes: string[] = [];
  for (let i = 0; i <= 49; i++) codes.push(table[i] || `[${i}]`);
  codes[0] = "NOTQRS";
  return codes;
})();

const CODE_OF: ReadonlyMap<string, number> = new Map(ANNOTATION_CODES.map((m, i) => [m, i]));

/** Parses MIT-format annotation bytes; `source` tags each annotation (the file extension). */
export function parseMitAnnotations(bytes: Uint8Array, file: string, source?: string): EcgAnnotation[] {
  const out: EcgAnnotation[] = [];
  const n = bytes.length - (bytes.length % 2);
  let time = 0;
  let chan = 0;
  let num = 0;
  let last: EcgAnnotation | undefined;
  let p = 0;
  while (p + 1 < n) {
    const word = bytes[p]! | (bytes[p + 1]! << 8);
    p += 2;
    const a = word >> 10;
    const i = word & 0x3ff;
    if (a === 0 && i === 0) return out;
    if (a === SKIP) {
      if (p + 4 > n) throw new InputError(file, "annotation file ends inside a SKIP interval");
      const hi = bytes[p]! | (bytes[p + 1]! << 8);
      const lo = bytes[p + 2]! | (bytes[p + 3]! << 8);
      time += ((hi << 16) | lo) >> 0; // signed 32-bit
      p += 4;
    } else if (a === NUM) {
      num = (i << 22) >> 22;
      if (last) last.num = num;
    } else if (a === SUB) {
      if (last) last.subtype = (i << 22) >> 22;
    } else if (a === CHN) {
      chan = i;
      if (last) last.channel = chan;
    } else if (a === AUX) {
      if (p + i > bytes.length) throw new InputError(file, "annotation file ends inside an AUX string");
      if (last) last.aux = decodeAux(bytes.subarray(p, p + i));
      p += i + (i & 1);
    } else {
      time += i;
      last = { sample: time, code: ANNOTATION_CODES[a]!, subtype: 0, channel: chan, num };
      if (source !== undefined) last.source = source;
      out.push(last);
    }
  }
  return out; // a missing end marker is tolerated (some writers omit it)
}

function decodeAux(b: Uint8Array): string {
  let end = b.indexOf(0);
  if (end < 0) end = b.length;
  return Buffer.from(b.subarray(0, end)).toString("latin1");
}

/** Reads one annotation file; each annotation's `source` is the file's extension ("atr", "v1"). */
export async function readWfdbAnnotations(path: string): Promise<EcgAnnotation[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new InputError(path, `cannot read annotation file (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  return parseMitAnnotations(bytes, basename(path), extname(path).slice(1));
}

function word(out: number[], a: number, i: number): void {
  const w = (a << 10) | (i & 0x3ff);
  out.push(w & 0xff, w >> 8);
}

/** Encodes annotations (sorted by sample) in MIT format. Unknown mnemonics are an error. */
export function encodeMitAnnotations(
  annotations: readonly EcgAnnotation[],
  file = "annotations",
): Uint8Array {
  const out: number[] = [];
  let time = 0;
  let chan = 0;
  let num = 0;
  const sorted = [...annotations].sort((x, y) => x.sample - y.sample);
  for (const ann of sorted) {
    const code = CODE_OF.get(ann.code) ?? (/^\[(\d+)\]$/.exec(ann.code) ? Number(ann.code.slice(1, -1)) : -1);
    // Code 0 (NOTQRS) cannot be told apart from the end marker at a zero interval: not written.
    if (!(code >= 1 && code <= 49))
      throw new InputError(file, `annotation code "${ann.code}" has no MIT code`);
    if (!Number.isInteger(ann.sample))
      throw new InputError(file, `annotation time ${ann.sample} is not whole`);
    const diff = ann.sample - time;
    if (diff > 1023 || diff < 0) {
      word(out, SKIP, 0);
      out.push((diff >>> 16) & 0xff, (diff >>> 24) & 0xff, diff & 0xff, (diff >>> 8) & 0xff);
      word(out, code, 0);
    } else {
      word(out, code, diff);
    }
    time = ann.sample;
    if (ann.subtype) word(out, SUB, ann.subtype);
    if (ann.channel !== chan) word(out, CHN, (chan = ann.channel));
    if (ann.num !== num) word(out, NUM, (num = ann.num));
    if (ann.aux !== undefined && ann.aux !== "") {
      const text = Buffer.from(ann.aux, "latin1");
      if (text.length > 1023) throw new InputError(file, "annotation aux text longer than 1023 bytes");
      word(out, AUX, text.length);
      for (const b of text) out.push(b);
      if (text.length & 1) out.push(0);
    }
  }
  out.push(0, 0);
  return Uint8Array.from(out);
}

/** Writes annotations to `path` in MIT format. */
export async function writeWfdbAnnotations(
  path: string,
  annotations: readonly EcgAnnotation[],
): Promise<void> {
  await writeFile(path, encodeMitAnnotations(annotations, basename(path)));
}
