/**
 * `npm run bench -- record-classifiers [--json]`: the classical record classifiers a model with
 * `recordSummary` carries, trained as the beats stage trains them (training split only) and
 * scored on the validation split, each record read as the model reads it (`recordInput`):
 * - rhythms on CinC 2017's validation recordings: AF F1 of the likeliest class and AUC of p(AF),
 *   4-class accuracy;
 * - diagnoses on PTB-XL's fold-9 records with a diagnostic statement: AUC per superclass, macro.
 * These are the figures the reports of a model reading them can be held against.
 */
import type { BenchOptions } from "./run.js";
import { dataDir, printTable } from "./util.js";
import { readEcg } from "../src/ecg/read.js";
import { loadCinc2017 } from "../src/data/sources/cinc2017.js";
import { loadPtbxlClasses, ptbxlClassCode } from "../src/data/sources/ptbxl.js";
import { classifyRhythm, RHYTHM_CLASSES } from "../src/analysis/rhythm-classes.js";
import { classifyDiagnosis, DIAGNOSIS_CLASSES } from "../src/analysis/diagnosis-classes.js";
import { recordInput } from "../src/model/preprocess.js";
import { trainDiagnoses, trainRhythms } from "../src/train/record-classifiers.js";
import { join } from "node:path";

/** Area under the ROC curve of scores `p` for truths `y` (ties count half). */
function auc(y: readonly boolean[], p: readonly number[]): number {
  const pos = p.filter((_, i) => y[i]);
  const neg = p.filter((_, i) => !y[i]);
  let s = 0;
  for (const a of pos) for (const b of neg) s += a > b ? 1 : a === b ? 0.5 : 0;
  return s / (pos.length * neg.length);
}

const pct = (x: number): string => (100 * x).toFixed(1);

async function rhythms(): Promise<Record<string, number>> {
  const clf = (await trainRhythms(dataDir))!;
  const valid = (await loadCinc2017(dataDir)).filter((r) => r.split === "valid");
  const truth: string[] = [];
  const probs: Float64Array[] = [];
  for (const r of valid) {
    const ecg = await readEcg(join(dataDir, r.path));
    const { lead, beats } = recordInput(ecg);
    truth.push(r.label);
    probs.push(classifyRhythm(clf, lead, ecg.fs, beats));
  }
  const likeliest = probs.map((p) => RHYTHM_CLASSES[p.indexOf(Math.max(...p))]!);
  const tp = likeliest.filter((c, i) => c === "A" && truth[i] === "A").length;
  const fp = likeliest.filter((c, i) => c === "A" && truth[i] !== "A").length;
  const fn = likeliest.filter((c, i) => c !== "A" && truth[i] === "A").length;
  const a = RHYTHM_CLASSES.indexOf("A");
  return {
    recordings: valid.length,
    afF1: (2 * tp) / (2 * tp + fp + fn),
    afAuc: auc(truth.map((t) => t === "A"), probs.map((p) => p[a]!)), // prettier-ignore
    accuracy: likeliest.filter((c, i) => c === truth[i]).length / valid.length,
  };
}

async function diagnoses(): Promise<Record<string, number>> {
  const clf = (await trainDiagnoses(dataDir))!;
  const valid = (await loadPtbxlClasses(dataDir)).filter((r) => r.split === "valid");
  const rows: { y: boolean[]; p: Float64Array }[] = [];
  for (const r of valid) {
    const { slots, fs, beats } = recordInput(await readEcg(join(dataDir, r.info.path)));
    const p = classifyDiagnosis(clf, slots, fs, beats);
    if (p) rows.push({ y: DIAGNOSIS_CLASSES.map((c) => r.episodes.some((e) => e.rhythm === ptbxlClassCode(c))), p }); // prettier-ignore
  }
  const per = DIAGNOSIS_CLASSES.map((_, k) =>
    auc(
      rows.map((r) => r.y[k]!),
      rows.map((r) => r.p[k]!),
    ),
  );
  return {
    records: rows.length,
    ...Object.fromEntries(DIAGNOSIS_CLASSES.map((c, k) => [c, per[k]!])),
    macroAuc: per.reduce((s, v) => s + v, 0) / per.length,
  };
}

export default async function run(_opts: BenchOptions): Promise<Record<string, unknown>> {
  const r = await rhythms();
  const d = await diagnoses();
  printTable(
    ["classifier", "validation", "figures"],
    [
      ["rhythms (CinC 2017)", `${r.recordings} recordings`, `AF F1 ${pct(r.afF1!)}, AF AUC ${pct(r.afAuc!)}, 4-class accuracy ${pct(r.accuracy!)}`], // prettier-ignore
      ["diagnoses (PTB-XL fold 9)", `${d.records} records`, `AUC ${DIAGNOSIS_CLASSES.map((c) => `${c} ${pct(d[c]!)}`).join(", ")}; macro ${pct(d.macroAuc!)}`], // prettier-ignore
    ],
  );
  return { rhythms: r, diagnoses: d };
}
