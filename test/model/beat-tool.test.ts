// The beat tool: which finding a question names (every phrasing the dataset writes, for every
// finding), when it answers, and, with the shipped model on the MIT-BIH 119 excerpt, that it
// answers a PVC question with the PVCs of the reference annotations and leaves other questions
// to the language model.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BEAT_CLASSES } from "../../src/analysis/beats.js";
import { beatIntervals } from "../../src/data/intervals.js";
import { paraphrases } from "../../src/data/paraphrases.js";
import { LOCATION_FINDINGS } from "../../src/data/tasks/location.js";
import { readEcg } from "../../src/ecg/read.js";
import { intervalIoU, parseLocalizationIntervals } from "../../src/eval/metrics/iou.js";
import {
  LOCALIZATION_NAMES,
  TOOL_FINDINGS,
  beatToolAnswer,
  namedFinding,
} from "../../src/model/beat-tool.js";
import { AnyEcg } from "../../src/model/index.js";
import { samplesDir } from "../data.js";

const V = BEAT_CLASSES.indexOf("V");

/** The kind of question the dataset asks about a finding. */
function kindOf(name: string): "beat" | "rhythm" | "wave" {
  const f = LOCATION_FINDINGS.find((x) => x.name === name);
  return f ? f.kind : "wave";
}

describe("the finding a question names", () => {
  it("is found in every training and validation phrasing of every finding, in each spelling", () => {
    for (const name of LOCALIZATION_NAMES) {
      const kind = kindOf(name);
      const lower = name.charAt(0).toLowerCase() + name.slice(1);
      const plural = lower.replace(/(beat|contraction|wave)$/, "$1s").replace(/complex$/, "complexes");
      for (const split of ["train", "valid"] as const)
        for (const text of paraphrases(kind, split))
          for (const spelling of [name, lower, plural])
            expect(namedFinding(text.replace(/\{name\}/g, spelling)), `${text} / ${spelling}`).toBe(name);
    }
  });

  it("takes the longer of two names one inside the other, and reads the usual abbreviations", () => {
    expect(namedFinding("Locate the aberrated atrial premature beats.")).toBe(
      "Aberrated atrial premature beat",
    );
    expect(namedFinding("Locate the atrial premature beats.")).toBe("Atrial premature beat");
    expect(namedFinding("Where are the PVCs?")).toBe("Premature ventricular contraction");
    expect(namedFinding("Mark every PAC in this Holter")).toBe("Atrial premature beat");
    expect(namedFinding("Any runs of VT?")).toBe("Ventricular tachycardia");
  });

  it("is none when the question names no finding or several", () => {
    expect(namedFinding("Write the report of this ECG.")).toBeNull();
    expect(namedFinding("Locate the PVCs and the atrial premature beats")).toBeNull();
    expect(namedFinding("Is there atrial fibrillation or ventricular bigeminy?")).toBeNull();
    expect(namedFinding("Where are the pvcs in this vtable?")).toBeNull(); // abbreviations are upper case
  });
});

describe("the beat tool", () => {
  // beats every 0.8 s from 0.5 s; a PVC at 3.7 s spans 2.9-4.5 s by the beat rule
  const times = Float64Array.from({ length: 12 }, (_, i) => 0.5 + 0.8 * i);
  const classes = Uint8Array.from({ length: 12 }, (_, i) => (i === 4 ? V : 0));
  const beats = { times, classes };
  const on = (b: typeof beats, seconds: number) => ({ beats: b, seconds, ecg: null });
  // the model's probabilities of answers opening with `Duration:`, `No`, `yes`, `no`, `none`
  const opening =
    (duration: number, no: number, yes: number, verifyNo: number, none: number) =>
    (answers: readonly string[]) =>
      answers.map((a) => Math.log({ "Duration:": duration, No: no, yes, no: verifyNo, none }[a] ?? 0));
  const likely = opening(0.6, 0.1, 0.01, 0.01, 0);
  const unlikely = opening(0.2, 0.2, 0.2, 0.2, 0.1);
  const verifying = opening(0.02, 0.02, 0.5, 0.3, 0.05);

  it("answers a localization of its findings with the classifier's intervals", () => {
    expect(beatToolAnswer("Where are the PVCs?", likely, on(beats, 10))).toEqual({
      text: "Duration: 2.9s-4.5s",
      finding: "Premature ventricular contraction",
    });
    expect(beatToolAnswer("Locate the atrial premature beats", likely, on(beats, 10))?.text).toBe(
      "No Atrial premature beat Found",
    );
  });

  it("answers a yes/no question about its findings from the same intervals", () => {
    expect(beatToolAnswer("Does this ECG show PVCs?", verifying, on(beats, 10))).toEqual({
      text: "yes",
      finding: "Premature ventricular contraction",
    });
    expect(beatToolAnswer("Are there atrial premature beats?", verifying, on(beats, 10))?.text).toBe("no");
    // `none` (no finding of a choice) opens with `no` but is not a yes/no answer
    const choosing = opening(0.02, 0.02, 0.1, 0.8, 0.75);
    expect(beatToolAnswer("Which do you see, PVCs or nothing?", choosing, on(beats, 10))).toBeNull();
  });

  it("answers whether there is atrial fibrillation from the rhythm classifier's likeliest rhythm", () => {
    const rhythm = (af: number, other: number) => [
      { name: "Normal sinus rhythm", p: 1 - af - other },
      { name: "Atrial fibrillation", p: af },
      { name: "Other rhythm", p: other },
      { name: "Noisy recording", p: 0 },
    ];
    const q = "Is there atrial fibrillation?";
    const af = { ...on(beats, 10), record: rhythm(0.45, 0.4) };
    expect(beatToolAnswer(q, verifying, af)).toEqual({ text: "yes", finding: "Atrial fibrillation" });
    expect(beatToolAnswer(q, verifying, { ...af, record: rhythm(0.1, 0.8) })?.text).toBe("no");
    // where it is, or without the classifier's reading, the model answers
    expect(beatToolAnswer("Where is the atrial fibrillation?", likely, af)).toBeNull();
    expect(beatToolAnswer(q, verifying, on(beats, 10))).toBeNull();
  });

  it("answers trigeminy only on ECGs longer than 10 s, where three cycles are in view", () => {
    // N N V from 0.5 s, every 0.8 s: trigeminy from the first V-led cycle on
    const n = 36;
    const t = Float64Array.from({ length: n }, (_, i) => 0.5 + 0.8 * i);
    const c = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 2 ? V : 0));
    const q = "Locate the ventricular trigeminy";
    expect(
      beatToolAnswer(q, likely, on({ times: t.subarray(0, 12), classes: c.subarray(0, 12) }, 10)),
    ).toBeNull();
    expect(beatToolAnswer(q, likely, on({ times: t, classes: c }, 29.5))?.text).toMatch(/^Duration: /);
  });

  it("leaves to the model what is not a localization, or a finding it does not answer", () => {
    expect(beatToolAnswer("Does this ECG show PVCs?", unlikely, on(beats, 10))).toBeNull();
    expect(beatToolAnswer("Locate the left bundle branch block beats", likely, on(beats, 10))).toBeNull();
    expect(TOOL_FINDINGS.map((f) => f.name)).not.toContain("Left bundle branch block beat");
    // QRS complexes need the record itself, not only its beats
    expect(beatToolAnswer("Locate the QRS complexes", likely, on(beats, 10))).toBeNull();
  });
});

const modelDir = join(import.meta.dirname, "..", "..", "models", "anyecg-small");
const model = existsSync(join(modelDir, "config.json")) ? await AnyEcg.load(modelDir) : null;
afterAll(() => model?.dispose());

(model ? describe : describe.skip)("the shipped model with the beat tool, on MIT-BIH 119", () => {
  const ask = async (content: string, tools: boolean) => {
    const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
    return model!.answer({ ecgs: [ecg], messages: [{ role: "user", content }], tools });
  };

  it("puts the PVCs where the reference annotations do, and says the tool wrote it", async () => {
    const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
    const pieces: string[] = [];
    const out = await model!.answer({
      ecgs: [ecg],
      messages: [{ role: "user", content: "Locate the premature ventricular contractions" }],
      tools: true,
      onToken: (t) => pieces.push(t),
    });
    expect(out.tool).toBe("Premature ventricular contraction");
    expect(pieces.join("")).toBe(out.text);
    const n = ecg.signals[0]!.length;
    const truth = beatIntervals(ecg.annotations, new Set(["V"]), { start: 0, end: n }, ecg.fs, n);
    expect(truth.length).toBeGreaterThan(2);
    expect(intervalIoU(truth, parseLocalizationIntervals(out.text)!)).toBeGreaterThan(0.8);
    expect((await ask("Locate the premature ventricular contractions", false)).tool).toBeUndefined();
  });

  it("delineates QRS complexes on the lead the classifier reads, one per detected beat", async () => {
    const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
    const content = "Locate the QRS complexes in this ECG.";
    const out = await model!.answer({ ecgs: [ecg], messages: [{ role: "user", content }], tools: true });
    expect(out.tool).toBe("QRS complex");
    const spans = parseLocalizationIntervals(out.text)!;
    const beats = model!.prepare(ecg).labelledBeats!.times;
    expect(spans.length).toBe(beats.length);
    spans.forEach((s, i) => {
      expect(s.end - s.start).toBeGreaterThanOrEqual(0.05); // a QRS lasts 60-160 ms, rounded to 0.1 s
      expect(s.end - s.start).toBeLessThanOrEqual(0.25);
      expect(s.start - 0.05).toBeLessThanOrEqual(beats[i]!);
      expect(s.end + 0.05).toBeGreaterThanOrEqual(beats[i]!);
    });
  });

  it("leaves reports and the findings it does not answer to the model", async () => {
    for (const q of [
      "Write the report of this ECG. Be concise.",
      "Locate the right bundle branch block beats",
    ]) {
      const [withTools, alone] = [await ask(q, true), await ask(q, false)];
      expect(withTools.tool).toBeUndefined();
      expect(withTools.text).toBe(alone.text);
    }
  });
});
