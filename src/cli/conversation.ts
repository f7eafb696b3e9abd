/**
 * What `ask` and `chat` share: loading the model with a clear error, reading the user's ECGs,
 * and turning an answer's intervals into highlights on the waveform.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { AnyEcg } from "../model/index.js";
import { readEcg } from "../ecg/read.js";
import type { Ecg } from "../ecg/record.js";
import { InputError } from "../errors.js";
import { parseLocalizationAnswer, type Interval } from "../data/intervals.js";
import { plotEcgSvg } from "../ecg/svg.js";
import { defaultModelDir } from "../paths.js";

/** The help of `--no-tools` (ask, chat, serve). */
export const NO_TOOLS_HELP =
  "answer with the language model alone (no beat tool: premature beats, bigeminy, trigeminy, runs of PVCs, QRS complexes)";

export async function loadModel(dir: string | undefined): Promise<AnyEcg> {
  const path = resolve(dir ?? defaultModelDir());
  if (!existsSync(path)) {
    throw new InputError(path, "model folder not found (pass --model <dir>, or train one: see README)");
  }
  return AnyEcg.load(path);
}

export async function readEcgFiles(paths: readonly string[], fs?: number): Promise<Ecg[]> {
  const ecgs: Ecg[] = [];
  for (const p of paths) ecgs.push(await readEcg(p, { fs }));
  return ecgs;
}

/** The intervals of a `Duration: ...` answer (empty for `No ... Found` or any other answer). */
export function answerIntervals(answer: string): Interval[] {
  const parsed = parseLocalizationAnswer(answer);
  return parsed?.found ? parsed.intervals : [];
}

/**
 * The waveform with the answer's intervals highlighted. Intervals are seconds from the start of
 * the ECG shown, so the plot starts at 0 and covers the record (at most `maxSeconds`).
 */
export function answerPlot(ecg: Ecg, answer: string, maxSeconds = 60): string {
  const highlights = answerIntervals(answer).map((iv) => ({ ...iv, label: `${iv.start}s-${iv.end}s` }));
  const duration = ecg.signals[0] ? Math.min(ecg.signals[0].length / ecg.fs, maxSeconds) : 0;
  return plotEcgSvg(ecg, { duration, highlights, title: `${ecg.name}: ${answer}` });
}
