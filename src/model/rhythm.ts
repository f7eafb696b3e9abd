/**
 * Beat-timing features of each encoder patch, from our QRS detector (src/analysis/qrs.ts): the
 * rhythm strip a cardiologist reads before the morphology. With `encoder.rhythm` on, each
 * patch's features join its tokens through a linear embedding (encoder.ts).
 *
 * Why: the findings the model is asked about are largely defined by timing — a premature beat
 * comes early and is followed by a pause, atrial fibrillation is an irregularly irregular
 * rhythm, bigeminy alternates short and long intervals, bradycardia is a long interval — and
 * timing is the same on every patient, while morphology is not. Learned from 22 MIT-BIH
 * patients, the encoder's own features did not carry over (measured: its atrial fibrillation
 * score separated CinC 2017's AF recordings at chance, AUC 0.53, even after training windows
 * of thousands of them). Our detector finds 99.9 % of the MIT-BIH beats, at any sampling rate.
 *
 * Per patch (times in seconds; every ratio as log2, clipped to [-2, 2]):
 * 0. number of beats (R peaks) in the patch;
 * 1. prematurity: the smallest RR-before of its beats over the local reference RR;
 * 2. pause: the largest RR-after of its beats over the reference;
 * 3. local rate: the reference RR in seconds (the median RR within 10 s of the patch centre);
 * 4. the RR interval spanning the patch centre, over the reference (a pause without a beat);
 * 5. irregularity: the mean |log2| ratio of successive RRs ending within 3 s of the centre;
 * 6. whether beats were found near the patch at all (0: every other feature is 0 too).
 *
 * With `encoder.rhythmContext`, three more describe the rhythm of the 20 s around the patch in
 * ways a few ectopic beats do not move, which is what tells atrial fibrillation (irregularly
 * irregular: nearly every interval differs from the last) from sinus rhythm with premature beats
 * (regular but for a few intervals). Feature 5's mean is dominated by the ectopic beats' large
 * ratios. Measured on CinC 2017 (whole recordings, logistic regression trained on the 2,502
 * training recordings): AF AUC on the 498 validation recordings 0.84 from that mean alone, 0.98
 * with these three beside it.
 * 7. the fraction of successive RR pairs whose ratio differs from 1 by more than 7 % (|log2| > 0.1);
 * 8. the lower quartile of |log2| of the successive ratios, times 8, at most 2;
 * 9. the fraction of RRs within 10 % of the reference RR.
 */
import { detectQrsMultiLead } from "../analysis/qrs.js";
import { lowerBound } from "../search.js";

/** Features per patch. */
export const RHYTHM_FEATURES = 7;
/** Features per patch with the rhythm context (`encoder.rhythmContext`). */
export const RHYTHM_CONTEXT_FEATURES = 10;

/** Successive RR ratios above this |log2| count as a change of rhythm (7 %). */
const CHANGE_LOG2 = 0.1;
/** RRs within this fraction of the reference count as regular. */
const REGULAR_FRACTION = 0.1;

/** Leads tried for detection, in order of preference (standard-lead indices: II, I, V5, V1, V2). */
const DETECTION_LEADS = [1, 0, 10, 6, 7];

/** Half-width (s) of the neighbourhood the reference RR is the median of. */
const REFERENCE_SECONDS = 10;
/** Half-width (s) of the neighbourhood the irregularity is averaged over. */
const IRREGULARITY_SECONDS = 3;

/** The present leads in the order they are tried for detection (and read for beat shapes). */
export function detectionOrder(leads: readonly (Float32Array | null)[]): number[] {
  return [...DETECTION_LEADS, ...leads.keys()].filter((l, i, a) => a.indexOf(l) === i && leads[l]);
}

/**
 * Beat times (s) of a record given as standard-lead slots (null: absent) at `fs`: the detector
 * on the two most suitable present leads (the second fills the first's gaps).
 */
export function detectBeatTimes(leads: readonly (Float32Array | null)[], fs: number): Float64Array {
  const beats = detectQrsMultiLead(
    detectionOrder(leads)
      .slice(0, 2)
      .map((l) => leads[l]!),
    fs,
  );
  return Float64Array.from(beats, (b) => b / fs);
}

/** log2(x) clipped to [-2, 2]; 0 for anything not a positive number. */
function clippedLog(x: number): number {
  return x > 0 && Number.isFinite(x) ? Math.max(-2, Math.min(2, Math.log2(x))) : 0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Features 7-9 (above) of the RRs `near` a patch, whose median is `ref`. */
function contextFeatures(near: number[], ref: number, f: Float32Array): void {
  const changes = near.slice(1).map((r, i) => Math.abs(Math.log2(r / near[i]!)));
  if (changes.length > 0) {
    f[7] = changes.filter((d) => d > CHANGE_LOG2).length / changes.length;
    const sorted = changes.sort((a, b) => a - b);
    f[8] = Math.min(2, 8 * sorted[Math.floor((sorted.length - 1) / 4)]!);
  }
  f[9] = near.filter((r) => Math.abs(r - ref) <= REGULAR_FRACTION * ref).length / near.length;
}

/**
 * Features [patches x RHYTHM_FEATURES] (with `context`, RHYTHM_CONTEXT_FEATURES) of consecutive
 * patches of `patchSeconds` from time 0, for beats at `beats` (s, sorted).
 */
export function rhythmFeatures(
  beats: Float64Array,
  patches: number,
  patchSeconds: number,
  context = false,
): Float32Array {
  const F = context ? RHYTHM_CONTEXT_FEATURES : RHYTHM_FEATURES;
  const out = new Float32Array(patches * F);
  // rr[i]: the interval ending at beat i + 1
  const rr = Array.from({ length: Math.max(0, beats.length - 1) }, (_, i) => beats[i + 1]! - beats[i]!);
  if (rr.length === 0) return out;
  for (let p = 0; p < patches; p++) {
    const a = p * patchSeconds;
    const b = a + patchSeconds;
    const c = (a + b) / 2;
    // intervals whose end beat lies near the centre
    const from = Math.max(0, lowerBound(beats, c - REFERENCE_SECONDS) - 1);
    const to = Math.min(rr.length, lowerBound(beats, c + REFERENCE_SECONDS));
    const near = rr.slice(from, to);
    if (near.length === 0) continue;
    const ref = median(near);
    const f = out.subarray(p * F, (p + 1) * F);
    const first = lowerBound(beats, a);
    const last = lowerBound(beats, b); // beats [first, last) lie in the patch
    f[0] = last - first;
    if (last > first) {
      let before = Infinity;
      let after = -Infinity;
      for (let i = first; i < last; i++) {
        if (i > 0) before = Math.min(before, rr[i - 1]!);
        if (i < rr.length) after = Math.max(after, rr[i]!);
      }
      f[1] = clippedLog(before / ref);
      f[2] = clippedLog(after / ref);
    }
    f[3] = clippedLog(ref);
    const k = lowerBound(beats, c); // the interval spanning c ends at beat k
    if (k > 0 && k < beats.length) f[4] = clippedLog(rr[k - 1]! / ref);
    const i0 = Math.max(1, lowerBound(beats, c - IRREGULARITY_SECONDS) - 1);
    const i1 = Math.min(rr.length, lowerBound(beats, c + IRREGULARITY_SECONDS));
    let sum = 0;
    let n = 0;
    for (let i = i0; i < i1; i++) {
      sum += Math.abs(clippedLog(rr[i]! / rr[i - 1]!));
      n++;
    }
    f[5] = n ? sum / n : 0;
    f[6] = 1;
    if (context) contextFeatures(near, ref, f);
  }
  return out;
}
