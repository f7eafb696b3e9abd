/**
 * The training loop, independent of what is trained: anything with `parameters()` and
 * `loss(batch)` (the anyECG model, the contrastive pair of towers, a test MLP).
 *
 * Per optimizer step: `accumulation` micro-batches, each `loss` + `backward` inside a scope
 * (gradients add up), the global gradient norm clipped (on the mean gradient), AdamW with a
 * cosine schedule after a linear warm-up. Every `evalEvery` steps the mean loss over the
 * validation batches; a better one calls `onBest` (the stage saves the model there). Every
 * `saveEvery` steps, at the end, and when interrupted (an abort signal, or SIGINT/SIGTERM with
 * `handleSignals`) the whole state is written atomically (state.ts); `resume` continues from it
 * and, data order being a function of the micro-batch number, ends with the same weights bit
 * for bit as a run that never stopped.
 *
 * Files in the run folder: `state.safetensors`, `log.jsonl` (one JSON object per step and per
 * validation), `loss.svg` (redrawn at each validation and at the end).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { AdamW } from "../nn/adamw.js";
import { clipGradNorm, gradNorm } from "../nn/clip.js";
import { zeroGrad } from "../nn/params.js";
import { cosineLr } from "../nn/schedule.js";
import { backward, noGrad, scope, type Parameter, type Tensor } from "../tensor/index.js";
import { formatSeconds, type ProgressSink } from "../data/progress.js";
import { loadTrainState, saveTrainState, trainStateFile, type LoopPosition } from "./state.js";
import { writeLossSvg } from "./plot.js";

/** What the loop trains: frozen parameters (`frozen`) take no gradient and no update. */
export interface TrainableModel<B> {
  parameters(): Parameter[];
  /** Scalar loss of a batch (the loop calls it inside a scope and back-propagates). */
  loss(batch: B): Tensor;
}

/** The training stream: micro-batch i must be a pure function of i (resume depends on it). */
export interface BatchSource<B> {
  batch(i: number): Promise<B> | B;
  /** Tokens in a batch, for the rate shown (examples for non-token models). */
  tokens(b: B): number;
}

/** Fixed validation batches. */
export interface ValidSource<B> {
  count: number;
  batch(i: number): Promise<B> | B;
}

export interface LoopOptions<B> {
  /** Run folder (created). */
  runDir: string;
  /** Title of the loss plot and label of the progress line. */
  title?: string;
  steps: number;
  accumulation?: number;
  lr: number;
  minLr?: number;
  warmup?: number;
  weightDecay?: number;
  /** Global gradient-norm clip (0 or undefined: none). */
  clip?: number;
  evalEvery?: number;
  saveEvery?: number;
  valid?: ValidSource<B>;
  /** Identifies the settings; resuming a state with another fingerprint is refused. */
  fingerprint?: string;
  resume?: boolean;
  /** Aborting stops after the current step, with the state saved. */
  signal?: AbortSignal;
  /** Also stop (state saved) on SIGINT and SIGTERM. */
  handleSignals?: boolean;
  /** Stop (state saved) once this many steps are done in total (tests simulate a kill). */
  stopAtStep?: number;
  /** Called after a validation that beat the best so far. */
  onBest?: (step: number, valid: number) => void | Promise<void>;
  /** Progress line (default stderr; null: none). */
  progress?: ProgressSink | null;
}

export interface LoopResult {
  /** Steps done in total. */
  step: number;
  /** True when stopped early (signal or stopAtStep): resume to continue. */
  stopped: boolean;
  bestValid: number | null;
  bestStep: number;
  /** Mean training loss of the last step. */
  lastLoss: number;
  /** Training tokens per second over this call. */
  tokensPerSecond: number;
  /** Optimizer steps per second over this call. */
  stepsPerSecond: number;
}

/** A log.jsonl record. */
export interface LogEntry {
  step: number;
  loss?: number;
  lr?: number;
  gradNorm?: number;
  tokens?: number;
  tokensPerSecond?: number;
  valid?: number;
  best?: boolean;
  skipped?: boolean;
  time: string;
}

/** Reads a run's log (missing file: empty). */
export function readLog(file: string): LogEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as LogEntry);
}

/** Keeps the log's entries up to `step` (a resumed run rewrites what followed its last state). */
function truncateLog(file: string, step: number): void {
  const keep = readLog(file).filter((e) => e.step <= step);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, keep.map((e) => JSON.stringify(e) + "\n").join(""));
  renameSync(tmp, file);
}

function drawLog(runDir: string, title: string): void {
  const log = readLog(join(runDir, "log.jsonl"));
  const train = log.filter((e) => e.loss !== undefined && !e.skipped).map((e) => [e.step, e.loss!] as const);
  const valid = log.filter((e) => e.valid !== undefined).map((e) => [e.step, e.valid!] as const);
  writeLossSvg(join(runDir, "loss.svg"), title, train, valid);
}

/** Mean loss over the validation batches, without gradients. */
export async function evaluate<B>(model: TrainableModel<B>, valid: ValidSource<B>): Promise<number> {
  let sum = 0;
  for (let i = 0; i < valid.count; i++) {
    const b = await valid.batch(i);
    sum += noGrad(() => scope(() => model.loss(b).item()));
  }
  return sum / Math.max(1, valid.count);
}

const yieldToEvents = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Runs (or resumes) the loop; see the module comment. */
export async function trainLoop<B>(
  model: TrainableModel<B>,
  source: BatchSource<B>,
  o: LoopOptions<B>,
): Promise<LoopResult> {
  const acc = o.accumulation ?? 1;
  const title = o.title ?? "training";
  mkdirSync(o.runDir, { recursive: true });
  const statePath = trainStateFile(o.runDir);
  const logPath = join(o.runDir, "log.jsonl");
  const params = model.parameters();
  const trained = params.filter((p) => !p.frozen);
  if (trained.length === 0) throw new RangeError("nothing to train: every parameter is frozen");
  const opt = new AdamW(trained, { lr: o.lr, weightDecay: o.weightDecay ?? 0.01 });
  const fingerprint = o.fingerprint ?? "";
  let pos: LoopPosition = { step: 0, microBatch: 0, bestValid: null, bestStep: 0, fingerprint };
  if (existsSync(statePath)) {
    if (!o.resume)
      throw new RangeError(`${o.runDir} already holds a training state: resume it or choose another output folder`); // prettier-ignore
    pos = loadTrainState(statePath, params, opt);
    if (pos.fingerprint !== fingerprint)
      throw new RangeError(`${statePath}: saved by a run with other settings; choose another output folder`);
    truncateLog(logPath, pos.step);
  } else if (existsSync(logPath)) writeFileSync(logPath, "");
  const schedule = { peak: o.lr, warmup: o.warmup ?? 0, total: o.steps, min: o.minLr ?? o.lr / 10 };
  const save = (): void => saveTrainState(statePath, params, opt, pos);
  const log = (e: Omit<LogEntry, "time">): void =>
    appendFileSync(logPath, JSON.stringify({ ...e, time: new Date().toISOString() }) + "\n");

  const ctl = new AbortController();
  // first signal: finish the step and save; a second one: the user insists, leave now
  const onSignal = (): void => {
    if (ctl.signal.aborted) process.exit(130);
    ctl.abort();
    process.stderr.write("\nstopping after this step (state will be saved); signal again to quit now\n");
  };
  if (o.handleSignals) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  const out = o.progress === undefined ? process.stderr : o.progress;
  const started = Date.now();
  const startStep = pos.step;
  let tokensDone = 0;
  let lastLoss = NaN;
  let stopped = false;
  try {
    while (pos.step < o.steps) {
      await yieldToEvents(); // lets a pending SIGINT/SIGTERM handler run
      if (
        o.signal?.aborted ||
        ctl.signal.aborted ||
        (o.stopAtStep !== undefined && pos.step >= o.stopAtStep)
      ) {
        stopped = true;
        break;
      }
      const lr = cosineLr(schedule, pos.step);
      zeroGrad(trained);
      let lossSum = 0;
      let tokens = 0;
      for (let a = 0; a < acc; a++) {
        const b = await source.batch(pos.microBatch++);
        tokens += source.tokens(b);
        lossSum += scope(() => {
          const l = model.loss(b);
          backward(l);
          return l.item();
        });
      }
      const loss = lossSum / acc;
      lastLoss = loss;
      tokensDone += tokens;
      pos.step++;
      const elapsed = (Date.now() - started) / 1000;
      const tps = tokensDone / Math.max(1e-3, elapsed);
      if (!Number.isFinite(loss)) {
        log({ step: pos.step, loss, lr, skipped: true });
      } else {
        // gradients hold the sum over micro-batches: clip the mean, then AdamW scales by 1/acc
        const norm = o.clip ? clipGradNorm(trained, o.clip * acc) / acc : gradNorm(trained) / acc;
        opt.step(lr, 1 / acc);
        log({ step: pos.step, loss, lr, gradNorm: norm, tokens, tokensPerSecond: Math.round(tps) });
      }
      drawProgress(out, title, pos.step, startStep, o.steps, loss, tps, elapsed);
      if (o.valid && o.evalEvery && (pos.step % o.evalEvery === 0 || pos.step === o.steps)) {
        const v = await evaluate(model, o.valid);
        const best = pos.bestValid === null || v < pos.bestValid;
        if (best) {
          pos.bestValid = v;
          pos.bestStep = pos.step;
          await o.onBest?.(pos.step, v);
        }
        log({ step: pos.step, valid: v, best });
        drawLog(o.runDir, title);
      }
      if (o.saveEvery && pos.step % o.saveEvery === 0) save();
    }
    save();
    drawLog(o.runDir, title);
  } finally {
    if (o.handleSignals) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    opt.dispose();
    if (out) out.write(out.isTTY ? "\n" : "");
  }
  const secs = Math.max(1e-3, (Date.now() - started) / 1000);
  return {
    step: pos.step,
    stopped,
    bestValid: pos.bestValid,
    bestStep: pos.bestStep,
    lastLoss,
    tokensPerSecond: tokensDone / secs,
    stepsPerSecond: (pos.step - startStep) / secs,
  };
}

let lastDraw = 0;
/** "stage1 [####......] 120/2000 loss 2.314 812 tok/s ETA 1h02m" (redrawn in place on a TTY). */
function drawProgress(
  out: ProgressSink | null,
  title: string,
  step: number,
  startStep: number,
  total: number,
  loss: number,
  tps: number,
  elapsed: number,
): void {
  if (!out) return;
  const now = Date.now();
  const last = step === total;
  if (!out.isTTY && !last && step % 50 !== 0) return;
  if (out.isTTY && !last && now - lastDraw < 200) return;
  lastDraw = now;
  const rate = (step - startStep) / Math.max(1e-3, elapsed);
  const eta = rate > 0 ? (total - step) / rate : 0;
  const bar = "#".repeat(Math.round((step / total) * 20)).padEnd(20, ".");
  const line = `${title.padEnd(18)} [${bar}] ${step}/${total} loss ${loss.toFixed(3)} ${Math.round(tps)} tok/s ETA ${formatSeconds(eta)}`; // prettier-ignore
  out.write(out.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
}
