/**
 * Cutting a recording into fixed-length windows: the paper encodes any length as consecutive
 * 10-s windows, the last one zero-padded.
 */
import type { Ecg } from "./record.js";
import { sampleCount } from "./record.js";

/** A window of samples [start, end); `end - start` is always the window length, `end` may pass the signal. */
export interface WindowSpan {
  start: number;
  end: number;
}

/**
 * How the last, incomplete window is handled:
 * - "zero": kept, the part past the signal's end is zeros (the paper's choice);
 * - "drop": dropped (a signal shorter than one window gives no window);
 * - "shift": moved back to end at the signal's end, overlapping the previous window (a signal
 *   shorter than one window still gives one zero-padded window).
 */
export type WindowPad = "zero" | "drop" | "shift";

/**
 * Window spans over `nSamples` samples. Windows start at 0, hop, 2 hop, ...; with "zero" the
 * last window is the first one that reaches the end. An empty signal gives no window.
 */
export function windows(
  nSamples: number,
  windowSamples: number,
  hopSamples: number = windowSamples,
  opts: { pad?: WindowPad } = {},
): WindowSpan[] {
  for (const [name, v] of [
    ["window", windowSamples],
    ["hop", hopSamples],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`windows: ${name} must be a positive integer (got ${v})`);
  }
  if (!Number.isInteger(nSamples) || nSamples < 0)
    throw new RangeError(`windows: bad sample count ${nSamples}`);
  const pad = opts.pad ?? "zero";
  const out: WindowSpan[] = [];
  if (nSamples === 0) return out;
  if (pad === "zero") {
    for (let s = 0; ; s += hopSamples) {
      out.push({ start: s, end: s + windowSamples });
      if (s + windowSamples >= nSamples) break;
    }
    return out;
  }
  for (let s = 0; s + windowSamples <= nSamples; s += hopSamples)
    out.push({ start: s, end: s + windowSamples });
  if (pad === "shift") {
    const lastEnd = out.length ? out[out.length - 1]!.end : 0;
    if (lastEnd < nSamples) {
      const start = Math.max(0, nSamples - windowSamples);
      out.push({ start, end: start + windowSamples });
    }
  }
  return out;
}

/** Samples [start, start + length) of `x`, zeros where the range passes either end. */
export function sliceWindow(x: Float32Array, start: number, length: number): Float32Array {
  const out = new Float32Array(length);
  const from = Math.max(0, start);
  const to = Math.min(x.length, start + length);
  if (to > from) out.set(x.subarray(from, to), from - start);
  return out;
}

export interface EcgWindow extends WindowSpan {
  /** Start time in seconds from the record's start. */
  startSeconds: number;
  /** One array per lead, each exactly the window length. */
  signals: Float32Array[];
}

export interface EcgWindowOptions {
  /** Window length in seconds (default 10). */
  seconds?: number;
  /** Hop in seconds (default: the window length, i.e. consecutive windows). */
  hopSeconds?: number;
  pad?: WindowPad;
}

/**
 * Windows of a record, each with its own copy of the samples. For hours-long records iterate
 * (it is a generator) rather than collecting them all.
 */
export function* ecgWindows(ecg: Ecg, opts: EcgWindowOptions = {}): Generator<EcgWindow> {
  const len = Math.round((opts.seconds ?? 10) * ecg.fs);
  const hop = Math.round((opts.hopSeconds ?? opts.seconds ?? 10) * ecg.fs);
  for (const span of windows(sampleCount(ecg), len, hop, { pad: opts.pad ?? "zero" })) {
    yield {
      ...span,
      startSeconds: span.start / ecg.fs,
      signals: ecg.signals.map((s) => sliceWindow(s, span.start, len)),
    };
  }
}
