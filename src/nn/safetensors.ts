/**
 * safetensors reading and writing, per the format's specification (huggingface/safetensors):
 *
 *   [8 bytes: N, unsigned little-endian u64] [N bytes: UTF-8 JSON header] [byte buffer]
 *
 * The header maps tensor names to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to
 * the byte buffer) plus an optional `__metadata__` string-to-string map. The file is hostile until
 * checked: the header length against the file size, the JSON (strictly, with no duplicate keys),
 * every dtype, shape and offset pair, and that the tensors tile the byte buffer exactly (no holes,
 * no overlap). Nothing is allocated from a size field before it is checked.
 *
 * Floats are converted to Float32Array on read (F16 and BF16 exactly, F64 rounded); integers and
 * BOOL too, with `raw` keeping the original bytes. Writing supports F32, F16 and BF16 with
 * round-to-nearest-even conversion. `openSafetensors` reads only the header and then each tensor on
 * demand through the file handle, so a multi-gigabyte checkpoint never has to fit in memory twice.
 */
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { InputError } from "../errors.js";

/** Element types of the specification that this module reads. */
export type SafetensorsDtype =
  "BOOL" | "U8" | "I8" | "I16" | "U16" | "F16" | "BF16" | "I32" | "U32" | "F32" | "F64" | "I64" | "U64";

/** Element types this module writes. */
export type SafetensorsWriteDtype = "F32" | "F16" | "BF16";

const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** The specification's own cap on the header (100 MB): above it, a file is rejected unread. */
export const MAX_HEADER_BYTES = 100_000_000;

/** What the header says about one tensor; `begin`/`end` are relative to the byte buffer. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * One tensor read from a file: values converted to float32, original bytes in `raw` (for F32 the
 * two share memory).
 */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
  raw: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** A tensor to write: float32 values, stored as `dtype` (default F32). */
export interface SafetensorsInput {
  shape: readonly number[];
  data: Float32Array;
  dtype?: SafetensorsWriteDtype;
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  // Typed-array views below assume the host byte order is the file's (little-endian).
  throw new Error("anyecg safetensors: big-endian hosts are not supported");
}

// ---------------------------------------------------------------------------------------------
// float16 / bfloat16 conversion

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE binary16 bits, round to nearest even; overflow gives inf, NaN stays NaN. */
export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  return bitsF32ToF16(u32[0]!);
}

function bitsF32ToF16(b: number): number {
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13); // inf / quiet NaN
  const e = exp - 112; // the binary16 biased exponent
  if (e >= 31) return sign | 0x7c00;
  if (e >= 1) {
    // Normal: rounding may carry into the exponent, which is exactly right (up to inf at 0x7c00).
    let h = (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
    return sign | h;
  }
  // Subnormal in binary16: value = m * 2^-24 with m = F * 2^(exp-126), F the 24-bit significand.
  const shift = 126 - exp;
  if (shift > 24) return sign; // below half the smallest subnormal: rounds to zero
  const full = mant | 0x800000;
  let m = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && (m & 1) === 1)) m++; // m = 1024 is the smallest normal: fine
  return sign | m;
}

/** IEEE binary16 bits -> number (exact). */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** float32 -> bfloat16 bits, round to nearest even; NaN stays NaN (quiet). */
export function f32ToBf16Bits(x: number): number {
  f32[0] = x;
  return bitsF32ToBf16(u32[0]!);
}

function bitsF32ToBf16(b: number): number {
  if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) return ((b >>> 16) | 0x40) & 0xffff;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/** bfloat16 bits -> number (exact). */
export function bf16BitsToF32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

let f16Table: Float32Array | undefined;
/** All 65536 binary16 values as float32, built once: decoding is then one lookup per element. */
function f16Lookup(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToF32(h);
  }
  return f16Table;
}

// ---------------------------------------------------------------------------------------------
// decoding tensor bytes

/** Converts a tensor's bytes (a fresh, aligned copy) to float32 values. */
function toFloat32(dtype: SafetensorsDtype, raw: Uint8Array): Float32Array {
  const n = raw.byteLength / DTYPE_BYTES[dtype];
  const buf = raw.buffer;
  const off = raw.byteOffset;
  switch (dtype) {
    case "F32":
      return new Float32Array(buf, off, n); // shares memory with `raw`: no second copy of big weights
    case "F16": {
      const src = new Uint16Array(buf, off, n);
      const table = f16Lookup();
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = table[src[i]!]!;
      return out;
    }
    case "BF16": {
      const src = new Uint16Array(buf, off, n);
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = src[i]! << 16;
      return out;
    }
    case "F64":
      return Float32Array.from(new Float64Array(buf, off, n));
    case "I64":
      return Float32Array.from(new BigInt64Array(buf, off, n), (v) => Number(v));
    case "U64":
      return Float32Array.from(new BigUint64Array(buf, off, n), (v) => Number(v));
    case "I32":
      return Float32Array.from(new Int32Array(buf, off, n));
    case "U32":
      return Float32Array.from(new Uint32Array(buf, off, n));
    case "I16":
      return Float32Array.from(new Int16Array(buf, off, n));
    case "U16":
      return Float32Array.from(new Uint16Array(buf, off, n));
    case "I8":
      return Float32Array.from(new Int8Array(buf, off, n));
    case "U8":
      return Float32Array.from(raw);
    case "BOOL":
      return Float32Array.from(raw, (v) => (v ? 1 : 0));
  }
}

// ---------------------------------------------------------------------------------------------
// header parsing and validation

interface ParsedHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
}

function isDtype(s: string): s is SafetensorsDtype {
  return Object.prototype.hasOwnProperty.call(DTYPE_BYTES, s);
}

/** Reads the 8-byte header length and checks it against the file size. */
function headerLength(file: string, first8: Uint8Array, fileSize: number): number {
  if (fileSize < 8)
    throw new InputError(file, `file is ${fileSize} bytes, too short for the 8-byte header length`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES))
    throw new InputError(file, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const len = Number(n);
  if (8 + len > fileSize) {
    throw new InputError(file, `header length ${len} runs past the end of the file (${fileSize} bytes)`);
  }
  if (len < 2) throw new InputError(file, `header length ${len} is too short for a JSON object`);
  return len;
}

function checkNonNegativeInt(file: string, what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new InputError(file, `${what} must be a non-negative integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function parseEntry(file: string, name: string, v: unknown): SafetensorsEntry {
  const where = `tensor "${name}"`;
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new InputError(file, `${where}: entry is not an object`);
  const o = v as Record<string, unknown>;
  if (typeof o.dtype !== "string") throw new InputError(file, `${where}: missing dtype`);
  if (!isDtype(o.dtype)) throw new InputError(file, `${where}: unsupported dtype ${JSON.stringify(o.dtype)}`);
  if (!Array.isArray(o.shape)) throw new InputError(file, `${where}: shape is not an array`);
  const shape = o.shape.map((d, i) => checkNonNegativeInt(file, `${where}: shape[${i}]`, d));
  const offs = o.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2)
    throw new InputError(file, `${where}: data_offsets must be [begin, end]`);
  const begin = checkNonNegativeInt(file, `${where}: data_offsets[0]`, offs[0]);
  const end = checkNonNegativeInt(file, `${where}: data_offsets[1]`, offs[1]);
  if (end < begin) throw new InputError(file, `${where}: data_offsets [${begin}, ${end}] end before begin`);
  let bytes = DTYPE_BYTES[o.dtype];
  for (const d of shape) {
    bytes *= d;
    if (!Number.isSafeInteger(bytes))
      throw new InputError(file, `${where}: shape [${shape.join(", ")}] is too large`);
  }
  if (bytes !== end - begin) {
    throw new InputError(
      file,
      `${where}: ${o.dtype} shape [${shape.join(", ")}] needs ${bytes} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype: o.dtype, shape, begin, end };
}

function parseMetadata(file: string, v: unknown): Record<string, string> {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new InputError(file, `__metadata__ is not an object`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== "string") throw new InputError(file, `__metadata__ "${k}" is not a string`);
    out[k] = val;
  }
  return out;
}

/** Parses and checks the JSON header; `dataBytes` is the size of the byte buffer after it. */
function parseHeader(file: string, headerBytes: Uint8Array, dataBytes: number): ParsedHeader {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch {
    throw new InputError(file, "header is not valid UTF-8");
  }
  if (!text.startsWith("{")) throw new InputError(file, `header does not start with "{"`);
  let json: unknown;
  try {
    json = parseStrictJson(text);
  } catch (e) {
    throw new InputError(file, `header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new InputError(file, "header is not a JSON object");
  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, v] of Object.entries(json)) {
    if (name === "__metadata__") metadata = parseMetadata(file, v);
    else entries.push(parseEntry(file, name, v));
  }
  checkTiling(file, entries, dataBytes);
  return { entries, metadata };
}

/** The tensors must cover the byte buffer exactly: sorted by offset, no gap, no overlap. */
function checkTiling(file: string, entries: SafetensorsEntry[], dataBytes: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin > pos)
      throw new InputError(
        file,
        `tensor "${e.name}": hole of ${e.begin - pos} bytes before it at offset ${pos}`,
      );
    if (e.begin < pos)
      throw new InputError(
        file,
        `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] overlap the previous tensor`,
      );
    pos = e.end;
  }
  if (pos > dataBytes) {
    const last = sorted[sorted.length - 1]!;
    throw new InputError(
      file,
      `tensor "${last.name}": data_offsets end ${pos} past the ${dataBytes}-byte data section`,
    );
  }
  if (pos < dataBytes)
    throw new InputError(
      file,
      `${dataBytes - pos} bytes after the last tensor are not covered by any tensor`,
    );
}

// ---------------------------------------------------------------------------------------------
// reading

/** A lazily read safetensors file: the header is parsed on open; tensor bytes are read on demand. */
export interface SafetensorsReader {
  readonly file: string;
  readonly metadata: Record<string, string>;
  /** Tensor names in file order (by offset). */
  readonly names: string[];
  entry(name: string): SafetensorsEntry;
  has(name: string): boolean;
  /** Reads one tensor's bytes and converts them. */
  read(name: string): SafetensorsTensor;
  close(): void;
}

class BufferSource {
  constructor(private readonly bytes: Uint8Array) {}
  size(): number {
    return this.bytes.byteLength;
  }
  /** A fresh (aligned, owned) copy of `length` bytes at `pos`. */
  read(pos: number, length: number): Uint8Array {
    // Not `slice`: on a Node Buffer that is a view into a shared pool, at any alignment.
    const out = new Uint8Array(length);
    out.set(this.bytes.subarray(pos, pos + length));
    return out;
  }
  close(): void {}
}

class FileSource {
  private fd: number | null;
  private readonly bytes: number;
  constructor(private readonly path: string) {
    try {
      this.fd = openSync(path, "r");
    } catch (e) {
      throw new InputError(
        path,
        `cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    this.bytes = fstatSync(this.fd).size;
  }
  size(): number {
    return this.bytes;
  }
  read(pos: number, length: number): Uint8Array {
    if (this.fd === null) throw new Error(`${this.path}: reader is closed`);
    const out = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, out, got, length - got, pos + got);
      if (n === 0) throw new InputError(this.path, `file ends while reading bytes ${pos}..${pos + length}`);
      got += n;
    }
    return out;
  }
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function makeReader(file: string, src: BufferSource | FileSource): SafetensorsReader {
  try {
    const size = src.size();
    const len = headerLength(file, size >= 8 ? src.read(0, 8) : new Uint8Array(8), size);
    const header = parseHeader(file, src.read(8, len), size - 8 - len);
    const dataStart = 8 + len;
    const byName = new Map(header.entries.map((e) => [e.name, e]));
    const names = [...header.entries].sort((a, b) => a.begin - b.begin || a.end - b.end).map((e) => e.name);
    const entry = (name: string): SafetensorsEntry => {
      const e = byName.get(name);
      if (!e) throw new InputError(file, `no tensor named "${name}"`);
      return e;
    };
    return {
      file,
      metadata: header.metadata,
      names,
      entry,
      has: (name) => byName.has(name),
      read(name) {
        const e = entry(name);
        const raw = src.read(dataStart + e.begin, e.end - e.begin);
        return { dtype: e.dtype, shape: [...e.shape], data: toFloat32(e.dtype, raw), raw };
      },
      close: () => src.close(),
    };
  } catch (e) {
    src.close();
    throw e;
  }
}

/** Opens a safetensors file (or bytes) lazily: only the header is read and checked now. */
export function openSafetensors(pathOrBuffer: string | Uint8Array, name = "<buffer>"): SafetensorsReader {
  if (typeof pathOrBuffer === "string") return makeReader(pathOrBuffer, new FileSource(pathOrBuffer));
  return makeReader(name, new BufferSource(pathOrBuffer));
}

/** Reads and checks a whole safetensors file (or bytes, named `name` in errors). */
export function readSafetensors(pathOrBuffer: string | Uint8Array, name = "<buffer>"): SafetensorsFile {
  const reader = openSafetensors(pathOrBuffer, name);
  try {
    const tensors = new Map<string, SafetensorsTensor>();
    for (const n of reader.names) tensors.set(n, reader.read(n));
    return { tensors, metadata: reader.metadata };
  } finally {
    reader.close();
  }
}

// ---------------------------------------------------------------------------------------------
// writing

function encodeValues(dtype: SafetensorsWriteDtype, data: Float32Array): Uint8Array {
  if (dtype === "F32") return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bits = new Uint32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const out = new Uint16Array(data.length);
  const conv = dtype === "F16" ? bitsF32ToF16 : bitsF32ToBf16;
  for (let i = 0; i < out.length; i++) out[i] = conv(bits[i]!);
  return new Uint8Array(out.buffer);
}

interface Layout {
  /** The 8-byte length, the JSON header and its space padding. */
  head: Uint8Array;
  items: { name: string; dtype: SafetensorsWriteDtype; data: Float32Array }[];
  dataBytes: number;
}

/**
 * Plans a file: tensors by decreasing element size, then by name (as the reference
 * implementation does), so each stays aligned to its element size; the header is padded with
 * spaces so the byte buffer starts at a multiple of 8.
 */
function layout(
  tensors: Readonly<Record<string, SafetensorsInput>>,
  metadata?: Readonly<Record<string, string>>,
): Layout {
  const items = Object.entries(tensors).map(([name, t]) => {
    const dtype = t.dtype ?? "F32";
    if (!["F32", "F16", "BF16"].includes(dtype))
      throw new RangeError(`safetensors: tensor "${name}": cannot write dtype ${dtype}`);
    if (name === "__metadata__") throw new RangeError(`safetensors: "__metadata__" is not a tensor name`);
    const numel = t.shape.reduce((a, d) => {
      if (!Number.isSafeInteger(d) || d < 0)
        throw new RangeError(`safetensors: tensor "${name}": bad shape [${t.shape.join(", ")}]`);
      return a * d;
    }, 1);
    if (numel !== t.data.length) {
      throw new RangeError(
        `safetensors: tensor "${name}": shape [${t.shape.join(", ")}] has ${numel} elements, data has ${t.data.length}`,
      );
    }
    return { name, dtype, shape: [...t.shape], data: t.data };
  });
  items.sort(
    (a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new RangeError(`safetensors: metadata "${k}" must be a string`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const t of items) {
    const bytes = t.data.length * DTYPE_BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.byteLength / 8) * 8;
  const head = new Uint8Array(8 + headerLen).fill(0x20);
  new DataView(head.buffer).setBigUint64(0, BigInt(headerLen), true);
  head.set(json, 8);
  return { head, items, dataBytes: offset };
}

/** Serializes tensors to safetensors bytes in memory (see `writeSafetensors` for files). */
export function encodeSafetensors(
  tensors: Readonly<Record<string, SafetensorsInput>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const { head, items, dataBytes } = layout(tensors, metadata);
  const out = new Uint8Array(head.byteLength + dataBytes);
  out.set(head, 0);
  let pos = head.byteLength;
  for (const t of items) {
    const bytes = encodeValues(t.dtype, t.data);
    out.set(bytes, pos);
    pos += bytes.byteLength;
  }
  return out;
}

/**
 * Writes tensors to `path` as safetensors, one tensor at a time (a large model is never copied
 * whole). The bytes go to a temporary file that is renamed into place, so an interrupted write
 * never leaves a truncated checkpoint behind.
 */
export function writeSafetensors(
  path: string,
  tensors: Readonly<Record<string, SafetensorsInput>>,
  metadata?: Readonly<Record<string, string>>,
): void {
  const { head, items } = layout(tensors, metadata);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    writeAll(fd, head);
    for (const t of items) writeAll(fd, encodeValues(t.dtype, t.data));
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength;) done += writeSync(fd, bytes, done, bytes.byteLength - done);
}

/** Reads only the header (names, dtypes, shapes, metadata) of a file, e.g. to inspect a checkpoint. */
export function readSafetensorsHeader(path: string): {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
} {
  const reader = openSafetensors(path);
  try {
    return { entries: reader.names.map((n) => reader.entry(n)), metadata: reader.metadata };
  } finally {
    reader.close();
  }
}

// ---------------------------------------------------------------------------------------------
// strict JSON: JSON.parse silently keeps the last of duplicate keys, which the format forbids

// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings
const STRING_RE = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const SCALAR_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

/** Parses JSON text, rejecting duplicate object keys and anything JSON.parse would reject. */
export function parseStrictJson(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at character ${i}`);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r"))
      i++;
  };
  const str = (): string => {
    STRING_RE.lastIndex = i;
    const m = STRING_RE.exec(text);
    if (!m) return fail("bad string");
    i += m[0].length;
    return JSON.parse(m[0]) as string;
  };
  const value = (depth: number): unknown => {
    if (depth > 64) fail("nesting too deep");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: Record<string, unknown> = {};
      const seen = new Set<string>();
      ws();
      if (text[i] === "}") return (i++, obj);
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a key");
        const k = str();
        if (seen.has(k)) fail(`duplicate key ${JSON.stringify(k)}`);
        seen.add(k);
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        Object.defineProperty(obj, k, {
          value: value(depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return (i++, obj);
        else fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === "]") return (i++, arr);
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return (i++, arr);
        else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    SCALAR_RE.lastIndex = i;
    const m = SCALAR_RE.exec(text);
    if (!m) return fail("unexpected token");
    i += m[0].length;
    return JSON.parse(m[0]) as unknown;
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail("trailing characters");
  return v;
}
