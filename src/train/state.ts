/**
 * The resumable training state: one safetensors file holding every parameter (float32), the
 * AdamW moments of every trained parameter, and the loop's position (step, micro-batch, best
 * validation loss) as JSON metadata. One file written to a temporary name and renamed, so an
 * interruption during the write leaves the previous state intact, never half of a new one.
 *
 * Nothing random is kept besides the position: data order is a pure function of the seed and
 * the micro-batch number (batches.ts) and the model has no dropout, so step + weights + moments
 * determine the rest of the run bit for bit.
 */
import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { AdamW } from "../nn/adamw.js";
import { openSafetensors, writeSafetensors, type SafetensorsInput } from "../nn/safetensors.js";
import type { Parameter } from "../tensor/index.js";
import { InputError } from "../errors.js";

export interface LoopPosition {
  /** Optimizer steps done. */
  step: number;
  /** Micro-batches consumed (step * accumulation). */
  microBatch: number;
  /** Best validation loss so far and its step (null before the first validation). */
  bestValid: number | null;
  bestStep: number;
  /** Identifies the run's settings; a state from other settings is refused. */
  fingerprint: string;
}

const META_KEY = "anyecg.train";

/** The training state's file in a run folder (a stage resumes when it exists). */
export function trainStateFile(runDir: string): string {
  return join(runDir, "state.safetensors");
}
const M = "adam.m.";
const V = "adam.v.";

/** Writes params + optimizer moments + position to `file` atomically. */
export function saveTrainState(
  file: string,
  params: readonly Parameter[],
  opt: AdamW,
  pos: LoopPosition,
): void {
  const tensors: Record<string, SafetensorsInput> = {};
  const t: Record<string, number> = {};
  for (const p of params) {
    if (tensors[p.name]) throw new Error(`training state: two parameters named ${p.name}`);
    tensors[p.name] = { shape: [...p.shape], data: p.data.slice() };
    const s = opt.stateOf(p);
    if (s) {
      tensors[M + p.name] = { shape: [...p.shape], data: s.m.slice() };
      tensors[V + p.name] = { shape: [...p.shape], data: s.v.slice() };
      t[p.name] = s.t;
    }
  }
  writeSafetensors(file, tensors, { [META_KEY]: JSON.stringify({ ...pos, adamSteps: t }) });
}

/** Restores params and moments from `file`; returns the loop position. */
export function loadTrainState(file: string, params: readonly Parameter[], opt: AdamW): LoopPosition {
  const r = openSafetensors(file);
  try {
    const meta = r.metadata[META_KEY];
    if (!meta) throw new InputError(file, "not a training state (no anyecg.train metadata)");
    const state = JSON.parse(meta) as LoopPosition & { adamSteps: Record<string, number> };
    for (const p of params) {
      if (!r.has(p.name)) throw new InputError(file, `no tensor ${p.name}`);
      const w = r.read(p.name);
      if (w.data.length !== p.size) throw new InputError(file, `${p.name} has ${w.data.length} values, expected ${p.size}`); // prettier-ignore
      p.data.set(w.data);
      const steps = state.adamSteps[p.name];
      if (steps !== undefined) opt.loadState(p, r.read(M + p.name).data, r.read(V + p.name).data, steps);
    }
    const { step, microBatch, bestValid, bestStep, fingerprint } = state;
    return { step, microBatch, bestValid, bestStep, fingerprint };
  } finally {
    r.close();
  }
}

/**
 * Replaces folder `dir` by what `write(tmp)` puts in a temporary folder: the old folder is moved
 * aside, the new one renamed into place, the old one deleted. A crash at any point leaves either
 * the old or the new folder complete (`recoverDir` undoes a crash between the two renames).
 */
export function replaceDir(dir: string, write: (tmp: string) => void): void {
  const tmp = `${dir}.tmp`;
  const old = `${dir}.old`;
  rmSync(tmp, { recursive: true, force: true });
  write(tmp);
  recoverDir(dir);
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

/** After a crash between replaceDir's renames: puts the old folder back. */
export function recoverDir(dir: string): void {
  if (!existsSync(dir) && existsSync(`${dir}.old`)) renameSync(`${dir}.old`, dir);
}
