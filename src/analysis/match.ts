/**
 * Beat-by-beat comparison of detected beats against reference annotations, following ANSI/AAMI
 * EC57 (the convention of PhysioNet's `bxb`):
 * - reference beats are the annotations whose code is a beat label (`EC57_BEAT_CODES`: N L R B A a
 *   J S V r F e j n E / f Q); rhythm, noise and other non-beat annotations are ignored;
 * - a detection matches a reference beat when they are at most `toleranceSeconds` (150 ms)
 *   apart; each beat matches at most once, closest pairs first;
 * - ventricular flutter/fibrillation episodes (between the "[" and "]" annotations) are excluded
 *   from the comparison, as EC57 requires: there are no beats to detect inside them;
 * - the whole record is compared (no 5-minute learning period), but an unmatched reference beat
 *   or detection within `toleranceSeconds` of the record's first or last sample is not counted:
 *   a QRS complex cut by the record's edge cannot be reliably detected or refuted.
 */
import type { EcgAnnotation } from "../ecg/record.js";
import { EC57_BEAT_CODES } from "../ecg/beats.js";

export function isBeatCode(code: string): boolean {
  return EC57_BEAT_CODES.has(code);
}

/** Sample indices of the beat annotations, sorted. */
export function referenceBeats(annotations: readonly EcgAnnotation[]): Int32Array {
  const s = annotations.filter((a) => EC57_BEAT_CODES.has(a.code)).map((a) => a.sample);
  return Int32Array.from(s).sort();
}

/** [start, end] sample intervals of ventricular flutter/fibrillation ("[" to "]"; open at the end if unclosed). */
export function flutterIntervals(
  annotations: readonly EcgAnnotation[],
  nSamples = Infinity,
): [number, number][] {
  const out: [number, number][] = [];
  let open = -1;
  for (const a of [...annotations].sort((x, y) => x.sample - y.sample)) {
    if (a.code === "[" && open < 0) open = a.sample;
    else if (a.code === "]" && open >= 0) {
      out.push([open, a.sample]);
      open = -1;
    }
  }
  if (open >= 0) out.push([open, nSamples]);
  return out;
}

export interface MatchOptions {
  /** Record length in samples, for the edge rule (default: no edge rule). */
  nSamples?: number;
  /** Sample intervals [start, end] to leave out of the comparison (e.g. `flutterIntervals`). */
  exclude?: readonly [number, number][];
}

export interface MatchResult {
  tp: number;
  fn: number;
  fp: number;
  /** Sensitivity TP / (TP + FN), 1 when there is no reference beat. */
  se: number;
  /** Positive predictivity TP / (TP + FP), 1 when there is no detection. */
  ppv: number;
  /** Indices (into `reference`) of the missed beats and (into `detected`) of the false detections. */
  missed: number[];
  falseDetections: number[];
}

/** Matches detections to reference beats (see the module comment for the rules). */
export function matchBeats(
  reference: Int32Array,
  detected: Int32Array,
  fs: number,
  toleranceSeconds = 0.15,
  opts: MatchOptions = {},
): MatchResult {
  const tol = Math.round(toleranceSeconds * fs);
  const excluded = (s: number): boolean => (opts.exclude ?? []).some(([a, b]) => s >= a && s <= b);
  const refIdx = [...reference.keys()].filter((i) => !excluded(reference[i]!));
  const detIdx = [...detected.keys()].filter((i) => !excluded(detected[i]!));
  const ref = refIdx.map((i) => reference[i]!);
  const det = detIdx.map((i) => detected[i]!);
  const order = (a: number[]): number[] => [...a.keys()].sort((x, y) => a[x]! - a[y]!);
  const ro = order(ref);
  const dor = order(det);
  // Candidate pairs within tolerance, via a sliding pointer over the sorted detections.
  const pairs: [number, number, number][] = [];
  let lo = 0;
  for (const r of ro) {
    while (lo < dor.length && det[dor[lo]!]! < ref[r]! - tol) lo++;
    for (let k = lo; k < dor.length && det[dor[k]!]! <= ref[r]! + tol; k++) {
      pairs.push([Math.abs(det[dor[k]!]! - ref[r]!), r, dor[k]!]);
    }
  }
  pairs.sort((a, b) => a[0] - b[0] || ref[a[1]]! - ref[b[1]]!);
  const refUsed = new Uint8Array(ref.length);
  const detUsed = new Uint8Array(det.length);
  let tp = 0;
  for (const [, r, d] of pairs) {
    if (refUsed[r] || detUsed[d]) continue;
    refUsed[r] = 1;
    detUsed[d] = 1;
    tp++;
  }
  const n = opts.nSamples;
  const atEdge = (s: number): boolean => n !== undefined && (s < tol || s > n - 1 - tol);
  const missed = refIdx.filter((_, k) => !refUsed[k] && !atEdge(ref[k]!));
  const falseDetections = detIdx.filter((_, k) => !detUsed[k] && !atEdge(det[k]!));
  const fn = missed.length;
  const fp = falseDetections.length;
  return {
    tp,
    fn,
    fp,
    se: tp + fn ? tp / (tp + fn) : 1,
    ppv: tp + fp ? tp / (tp + fp) : 1,
    missed,
    falseDetections,
  };
}

/** Gross totals over several records: Se and +P computed from the summed counts. */
export function sumMatches(results: readonly Pick<MatchResult, "tp" | "fn" | "fp">[]): {
  tp: number;
  fn: number;
  fp: number;
  se: number;
  ppv: number;
} {
  const tp = results.reduce((s, r) => s + r.tp, 0);
  const fn = results.reduce((s, r) => s + r.fn, 0);
  const fp = results.reduce((s, r) => s + r.fp, 0);
  return { tp, fn, fp, se: tp + fn ? tp / (tp + fn) : 1, ppv: tp + fp ? tp / (tp + fp) : 1 };
}
