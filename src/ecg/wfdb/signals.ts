/**
 * WFDB signal formats: byte layout, decoding into Int32Array and encoding from it.
 *
 * Samples in a signal file are a stream: frames of interleaved signals, packed by the format.
 * Packed formats store samples in groups (212: 2 samples in 3 bytes; 310 and 311: 3 samples in
 * 4 bytes), so a read starts at a group boundary. Format 8 stores first differences, which the
 * caller integrates per signal (see `integrateDifferences`).
 */

/** Formats this reader decodes. FLAC formats (508, 516, 524) are recognised but not decoded. */
export const SUPPORTED_FORMATS: readonly number[] = [8, 16, 24, 32, 61, 80, 160, 212, 310, 311];
export const FLAC_FORMATS: readonly number[] = [508, 516, 524];

export interface FormatLayout {
  /** Samples per group. */
  samples: number;
  /** Bytes per group. */
  bytes: number;
}

export function formatLayout(format: number): FormatLayout {
  switch (format) {
    case 8:
    case 80:
      return { samples: 1, bytes: 1 };
    case 16:
    case 61:
    case 160:
      return { samples: 1, bytes: 2 };
    case 24:
      return { samples: 1, bytes: 3 };
    case 32:
      return { samples: 1, bytes: 4 };
    case 212:
      return { samples: 2, bytes: 3 };
    case 310:
    case 311:
      return { samples: 3, bytes: 4 };
    default:
      throw new Error(`unsupported WFDB format ${format}`);
  }
}

/** The digital value WFDB uses for "no sample here" (WFDB_INVALID_SAMPLE mapped per format). */
export function invalidSample(format: number): number {
  switch (format) {
    case 8:
    case 80:
      return -128;
    case 212:
      return -2048;
    case 310:
    case 311:
      return -512;
    case 24:
      return -8388608;
    case 32:
      return -2147483648;
    default:
      return -32768;
  }
}

/** Digital range a format can store (the invalid code excluded). */
export function formatRange(format: number): [number, number] {
  const inv = invalidSample(format);
  return [inv + 1, -inv - 1];
}

/**
 * How many whole samples `nbytes` bytes hold: a packed group cut short still yields the samples
 * whose bits are all present (212: 2 bytes give the first sample; 311: 2 bytes give one sample
 * and 3 bytes two; 310: the third sample needs byte 3, so a partial group yields at most one).
 */
export function samplesInBytes(format: number, nbytes: number): number {
  if (nbytes <= 0) return 0;
  const { samples, bytes } = formatLayout(format);
  const groups = Math.floor(nbytes / bytes);
  const rem = nbytes - groups * bytes;
  let extra = 0;
  if (format === 212) extra = rem >= 2 ? 1 : 0;
  else if (format === 310) extra = rem >= 2 ? 1 : 0;
  else if (format === 311) extra = rem >= 3 ? 2 : rem >= 2 ? 1 : 0;
  return groups * samples + extra;
}

/** Bytes needed to store `n` samples (a final partial group rounded up to whole bytes used). */
export function bytesForSamples(format: number, n: number): number {
  const { samples, bytes } = formatLayout(format);
  return Math.ceil(n / samples) * bytes;
}

/**
 * Decodes `count` samples into `out`, starting `skip` samples into `buf` (which starts on a
 * group boundary). `buf` must hold the whole groups touched (pad a short final group with zeros).
 */
export function decodeSamples(format: number, buf: Uint8Array, skip: number, count: number, out: Int32Array) {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  switch (format) {
    case 8:
      for (let i = 0; i < count; i++) out[i] = (buf[skip + i]! << 24) >> 24;
      return;
    case 80:
      for (let i = 0; i < count; i++) out[i] = buf[skip + i]! - 128;
      return;
    case 16:
      for (let i = 0, p = skip * 2; i < count; i++, p += 2) out[i] = dv.getInt16(p, true);
      return;
    case 61:
      for (let i = 0, p = skip * 2; i < count; i++, p += 2) out[i] = dv.getInt16(p, false);
      return;
    case 160:
      for (let i = 0, p = skip * 2; i < count; i++, p += 2) out[i] = dv.getUint16(p, true) - 32768;
      return;
    case 24:
      for (let i = 0, p = skip * 3; i < count; i++, p += 3)
        out[i] = ((buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16)) << 8) >> 8;
      return;
    case 32:
      for (let i = 0, p = skip * 4; i < count; i++, p += 4) out[i] = dv.getInt32(p, true);
      return;
    case 212:
      return decode212(buf, skip, count, out);
    case 310:
      return decode310(buf, skip, count, out);
    case 311:
      return decode311(buf, skip, count, out);
    default:
      throw new Error(`unsupported WFDB format ${format}`);
  }
}

function decode212(buf: Uint8Array, skip: number, count: number, out: Int32Array): void {
  let i = 0;
  let k = skip;
  if (k & 1 && count > 0) {
    const p = (k >> 1) * 3;
    out[i++] = ((buf[p + 2]! | ((buf[p + 1]! & 0xf0) << 4)) << 20) >> 20;
    k++;
  }
  // Whole pairs: no per-sample branch.
  for (let p = (k >> 1) * 3; i + 1 < count; i += 2, p += 3) {
    const b1 = buf[p + 1]!;
    out[i] = ((buf[p]! | ((b1 & 0x0f) << 8)) << 20) >> 20;
    out[i + 1] = ((buf[p + 2]! | ((b1 & 0xf0) << 4)) << 20) >> 20;
  }
  if (i < count) {
    const p = ((skip + i) >> 1) * 3;
    out[i] = ((buf[p]! | ((buf[p + 1]! & 0x0f) << 8)) << 20) >> 20;
  }
}

function decode310(buf: Uint8Array, skip: number, count: number, out: Int32Array): void {
  // Two 16-bit little-endian words; samples 0 and 1 in bits 1-10 of each word, sample 2 in the
  // top 5 bits of word 0 (low part) and of word 1 (high part).
  for (let i = 0; i < count; i++) {
    const k = skip + i;
    const g = Math.floor(k / 3);
    const r = k - g * 3;
    const p = g * 4;
    let v: number;
    if (r === 0) v = (buf[p]! >> 1) | ((buf[p + 1]! & 7) << 7);
    else if (r === 1) v = (buf[p + 2]! >> 1) | ((buf[p + 3]! & 7) << 7);
    else v = ((buf[p + 1]! >> 3) & 0x1f) | (((buf[p + 3]! >> 3) & 0x1f) << 5);
    out[i] = (v << 22) >> 22;
  }
}

function decode311(buf: Uint8Array, skip: number, count: number, out: Int32Array): void {
  // One 32-bit little-endian word; samples in bits 0-9, 10-19 and 20-29.
  for (let i = 0; i < count; i++) {
    const k = skip + i;
    const g = Math.floor(k / 3);
    const r = k - g * 3;
    const p = g * 4;
    let v: number;
    if (r === 0) v = buf[p]! | ((buf[p + 1]! & 3) << 8);
    else if (r === 1) v = (buf[p + 1]! >> 2) | ((buf[p + 2]! & 0xf) << 6);
    else v = (buf[p + 2]! >> 4) | ((buf[p + 3]! & 0x3f) << 4);
    out[i] = (v << 22) >> 22;
  }
}

/** Encodes samples (already clamped to the format's range) for the writer: formats 16 and 212. */
export function encodeSamples(format: 16 | 212, samples: Int32Array): Uint8Array {
  if (format === 16) {
    const out = new Uint8Array(samples.length * 2);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < samples.length; i++) dv.setInt16(i * 2, samples[i]!, true);
    return out;
  }
  const out = new Uint8Array(bytesForSamples(212, samples.length));
  for (let i = 0; i < samples.length; i += 2) {
    const p = (i >> 1) * 3;
    const a = samples[i]! & 0xfff;
    const b = i + 1 < samples.length ? samples[i + 1]! & 0xfff : 0;
    out[p] = a & 0xff;
    out[p + 1] = ((a >> 8) & 0x0f) | ((b >> 4) & 0xf0);
    out[p + 2] = b & 0xff;
  }
  return out;
}
