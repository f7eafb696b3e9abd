/**
 * Recording-condition augmentation for the labels stage: white noise and baseline wander, each
 * scaled to the lead's own peak-to-peak amplitude in the window.
 *
 * Why: the stage learns from 22 MIT-BIH patients and overfits them (validation loss lowest at
 * step 100 of 500, held-out token AUCs from 19 to 75 %). Beat morphology cannot be invented,
 * but the recording conditions that separate one patient's record from another (electrode
 * noise, respiration and movement drifting the baseline) can be varied, so that the encoder
 * cannot tell patients apart by them. Amplitude scaling would be undone by the per-window
 * min-max scaling (src/model/preprocess.ts), and time stretching would change heart rates that
 * some findings are defined by (sinus bradycardia), so neither is used.
 */
import type { Ecg } from "../ecg/record.js";
import { Rng } from "../data/rng.js";

/** The draws of one window's augmentation (drawn by the sampler, so batches stay reproducible). */
export interface Augmentation {
  /** Seed of the noise samples. */
  seed: number;
  /** Noise standard deviation, as a share of each lead's peak-to-peak amplitude. */
  noise: number;
  /** Baseline wander amplitude, as a share of the peak-to-peak amplitude. */
  wander: number;
  /** Wander frequency, Hz (respiration and slow movement: 0.05-0.5 Hz). */
  wanderHz: number;
  /** Wander phase, radians. */
  phase: number;
}

/** Most noise and wander (shares of peak-to-peak): a noisy but readable ECG at the top. */
const MAX_NOISE = 0.05;
const MAX_WANDER = 0.3;

/** One window's augmentation; a quarter of the windows are left clean. */
export function drawAugmentation(rng: Rng): Augmentation | null {
  if (rng.next() < 0.25) return null;
  return {
    seed: rng.int(0, 2 ** 31 - 1),
    noise: rng.next() * MAX_NOISE,
    wander: rng.next() * MAX_WANDER,
    wanderHz: 0.05 + rng.next() * 0.45,
    phase: rng.next() * 2 * Math.PI,
  };
}

/** The ECG with noise and wander added to each lead (a copy; NaNs stay NaN). */
export function augmentEcg(ecg: Ecg, a: Augmentation): Ecg {
  const rng = new Rng(a.seed);
  const signals = ecg.signals.map((x) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of x)
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    const p2p = hi > lo ? hi - lo : 0;
    const out = new Float32Array(x.length);
    const w = (2 * Math.PI * a.wanderHz) / ecg.fs;
    for (let i = 0; i < x.length; i++)
      out[i] = x[i]! + p2p * (a.noise * gaussian(rng) + a.wander * Math.sin(w * i + a.phase));
    return out;
  });
  return { ...ecg, signals };
}

/** A standard normal draw (Box-Muller). */
function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}
