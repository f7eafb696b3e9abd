// Stage 0d's targets, sampler and loss: targets worked out by hand on a made-up record and
// checked against the dataset builder's answer intervals on MIT-BIH 119; the loss against its
// float64 formula.
import { describe, it, expect, beforeAll } from "vitest";
import { annotation, describeData, dataDir } from "../data.js";
import { loadMitdb, type AnnotatedRecord } from "../../src/data/sources/mitdb.js";
import { rhythmEpisodes } from "../../src/data/intervals.js";
import { findingIntervals } from "../../src/data/tasks/location.js";
import { shippingConfig } from "../../src/model/config.js";
import { CINC2017_CLASS_NAMES, loadCinc2017Rhythms } from "../../src/data/sources/cinc2017.js";
import {
  DENSE_FINDINGS,
  DENSE_FINDING_NAMES,
  DenseWindowSampler,
  denseItem,
  denseTargets,
  headFindings,
  labelledForHead,
  sigmoidCrossEntropy,
} from "../../src/train/dense.js";
import {
  PTBXL_CLASS_NAMES,
  loadPtbxl,
  loadPtbxlClasses,
  ptbxlClassCode,
} from "../../src/data/sources/ptbxl.js";
import { EcgLoader } from "../../src/train/examples.js";
import { tensor } from "../../src/tensor/index.js";
import type { EcgAnnotation } from "../../src/ecg/record.js";

const shipping = shippingConfig();
const config = { ...shipping, encoder: { ...shipping.encoder, findings: [...DENSE_FINDING_NAMES] } };
const K = DENSE_FINDINGS.length;
const k = (code: string): number => DENSE_FINDINGS.findIndex((f) => f.code === code);

/** A 100 Hz record of `seconds` with beats at the given times (s) and codes. */
function record(beats: [number, string][], seconds: number, aux: EcgAnnotation[] = []): AnnotatedRecord {
  const annotations = [...beats.map(([t, code]) => annotation(Math.round(t * 100), code)), ...aux].sort(
    (a, b) => a.sample - b.sample,
  );
  return {
    info: { path: "x/1", name: "1", fs: 100, length: seconds * 100, leads: ["II", "V1"], comments: [] },
    annotations,
    episodes: rhythmEpisodes(annotations, seconds * 100),
    split: "train",
    patient: "1",
  };
}

describe("dense targets", () => {
  it("marks the 0.5-s tokens at least half covered by a beat's span (previous to next beat)", () => {
    // a PVC at 2.0 s between beats at 1.0 and 3.0 s spans 1.0-3.0 s: tokens 2, 3, 4, 5
    const rec = record(
      [
        [0.2, "N"],
        [1.0, "N"],
        [2.0, "V"],
        [3.0, "N"],
        [4.0, "N"],
      ],
      5,
    );
    const t = denseTargets({ record: rec, window: { start: 0, end: 500 }, leads: ["II"] }, 500, config);
    expect(t.length).toBe(10 * K);
    const v = Array.from({ length: 10 }, (_, i) => t[i * K + k("V")]);
    expect(v).toEqual([0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
    expect(t.reduce((s, x) => s + x, 0)).toBe(4); // nothing else is present
  });

  it("labels rhythm episodes and uses window-relative times", () => {
    const aux = [annotation(0, "+", "(N"), annotation(250, "+", "(AFIB")];
    const rec = record(
      [
        [1, "N"],
        [2, "N"],
        [3, "N"],
        [4, "N"],
      ],
      6,
      aux,
    );
    // window 2.0-6.0 s: AF from 2.5 s in the record = 0.5 s in the window, to the end
    const t = denseTargets({ record: rec, window: { start: 200, end: 600 }, leads: ["II"] }, 400, config);
    const af = Array.from({ length: 8 }, (_, i) => t[i * K + k("(AFIB")]);
    expect(af).toEqual([0, 1, 1, 1, 1, 1, 1, 1]);
  });
});

describeData("dense targets on MIT-BIH", () => {
  let records: AnnotatedRecord[];
  beforeAll(async () => {
    records = await loadMitdb(dataDir);
  });

  it("agree with the dataset builder's answer intervals on record 119 (ventricular bigeminy)", () => {
    const rec = records.find((r) => r.info.name === "119")!;
    const window = { start: 360 * 300, end: 360 * 310 };
    const t = denseTargets({ record: rec, window, leads: ["II"] }, 1000, config);
    const ivs = findingIntervals(rec, DENSE_FINDINGS[k("V")]!, window);
    expect(ivs.length).toBeGreaterThan(0);
    let positives = 0;
    for (let i = 0; i < 20; i++) {
      const [a, b] = [i * 0.5, i * 0.5 + 0.5];
      const covered = ivs.reduce((s, iv) => s + Math.max(0, Math.min(b, iv.end) - Math.max(a, iv.start)), 0);
      expect(t[i * K + k("V")]).toBe(covered >= 0.25 ? 1 : 0);
      positives += t[i * K + k("V")]!;
    }
    expect(positives).toBeGreaterThan(0);
    expect(positives).toBeLessThan(20);
    // record 119 has no left bundle branch block beats
    expect(Array.from({ length: 20 }, (_, i) => t[i * K + k("L")]).every((x) => x === 0)).toBe(true);
  });

  it("the sampler's batches are a function of (seed, i), 10-s windows inside the record, leads of the record", () => {
    const train = records.filter((r) => r.split === "train");
    const s = new DenseWindowSampler([{ records: train, share: 1 }], 10, 7);
    const a = s.batch(3, 16);
    const b = new DenseWindowSampler([{ records: train, share: 1 }], 10, 7).batch(3, 16);
    expect(a.map((w) => [w.record.info.name, w.window, w.leads])).toEqual(
      b.map((w) => [w.record.info.name, w.window, w.leads]),
    );
    expect(s.batch(4, 16).map((w) => w.window)).not.toEqual(a.map((w) => w.window));
    for (const w of [...a, ...s.batch(5, 64)]) {
      expect(w.window.end - w.window.start).toBe(3600);
      expect(w.window.start).toBeGreaterThanOrEqual(0);
      expect(w.window.end).toBeLessThanOrEqual(w.record.info.length);
      expect(w.leads.every((l) => w.record.info.leads.includes(l))).toBe(true);
      expect(w.record.split).toBe("train");
    }
  });
});

describe("sigmoid cross-entropy of the labels stage", () => {
  it("is the mean of -log sigma(y z) over all entries", () => {
    const z = [2, -1, 0.5, -3, 1.5, 0];
    const y = [1, 0, 0, 1, 1, 0];
    const nll = (zi: number, yi: number): number => Math.log1p(Math.exp(yi ? -zi : zi));
    const want = z.reduce((s, zi, i) => s + nll(zi, y[i]!), 0) / z.length;
    const got = sigmoidCrossEntropy(tensor(Float32Array.from(z), [2, 3]), Uint8Array.from(y));
    expect(got.data[0]).toBeCloseTo(want, 5);
  });

  it("with a known mask, is the mean over the known entries only", () => {
    const z = [2, -1, 0.5, -3, 1.5, 0];
    const y = [1, 0, 0, 1, 1, 0];
    const known = [1, 0, 1, 0, 0, 1];
    const nll = (zi: number, yi: number): number => Math.log1p(Math.exp(yi ? -zi : zi));
    const want = (nll(2, 1) + nll(0.5, 0) + nll(0, 0)) / 3;
    const got = sigmoidCrossEntropy(
      tensor(Float32Array.from(z), [2, 3]),
      Uint8Array.from(y),
      Uint8Array.from(known),
    );
    expect(got.data[0]).toBeCloseTo(want, 5);
    expect(() =>
      sigmoidCrossEntropy(tensor(new Float32Array(2), [2]), new Uint8Array(2), new Uint8Array(2)),
    ).toThrow(/no known target/);
  });
});

describeData("CinC 2017 recordings in the labels stage", () => {
  let af: AnnotatedRecord[];
  let mitdb: AnnotatedRecord[];
  beforeAll(async () => {
    af = await loadCinc2017Rhythms(dataDir);
    mitdb = (await loadMitdb(dataDir)).filter((r) => r.split === "train");
  });

  it("an AF recording is one AF episode end to end, the others one of their class; AF is unknown in noisy ones", () => {
    const classes = ["cinc2017:N", "cinc2017:O", "cinc2017:~"];
    const a = af.find((r) => r.episodes[0]!.rhythm === "(AFIB")!;
    expect(a.episodes).toEqual([{ rhythm: "(AFIB", start: 0, end: a.info.length }]);
    expect(a.complete).toEqual(["(AFIB", "(AFL", ...classes]);
    expect(a.info.leads).toEqual(["I"]);
    const o = af.find((r) => r.episodes[0]!.rhythm === "cinc2017:O")!;
    expect(o.episodes).toEqual([{ rhythm: "cinc2017:O", start: 0, end: o.info.length }]);
    // "other rhythm" may be flutter: only "not AF" is known
    expect(o.complete).toEqual(["(AFIB", ...classes]);
    expect(af.find((r) => r.episodes[0]!.rhythm === "cinc2017:~")!.complete).toEqual(classes);
    const share = (code: string): number =>
      af.filter((r) => r.episodes[0]!.rhythm === code).length / af.length;
    expect(share("(AFIB")).toBeGreaterThan(0.05);
    expect(share("cinc2017:O")).toBeGreaterThan(0.15);
    expect(share("cinc2017:~")).toBeGreaterThan(0.01);
    expect(share("cinc2017:N")).toBeGreaterThan(0.4);
  });

  it("a window of an AF recording: every token AF, and the loss counts AF and flutter only", async () => {
    const a = af.find((r) => r.episodes[0]!.rhythm === "(AFIB" && r.info.length >= 10 * r.info.fs)!;
    const w = { record: a, window: { start: 0, end: 10 * a.info.fs }, leads: ["I"] };
    const item = await denseItem(new EcgLoader(dataDir), w, { config, classifierOf: () => null });
    expect(item.targets.length).toBe(20 * K);
    for (let i = 0; i < 20; i++) expect(item.targets[i * K + k("(AFIB")]).toBe(1);
    expect(item.targets.reduce((s, x) => s + x, 0)).toBe(20);
    expect(
      Array.from(item.known!)
        .map((x, j) => (x ? DENSE_FINDINGS[j]!.code : ""))
        .filter(Boolean),
    ).toEqual(["(AFIB", "(AFL"]);
  });

  it("a head naming CinC 2017's classes: an other-rhythm window is other rhythm and not AF throughout", async () => {
    const names = [...DENSE_FINDING_NAMES, ...Object.values(CINC2017_CLASS_NAMES)];
    const withClasses = { ...config, encoder: { ...config.encoder, findings: names } };
    const o = af.find((r) => r.episodes[0]!.rhythm === "cinc2017:O" && r.info.length >= 10 * r.info.fs)!;
    const w = { record: o, window: { start: 0, end: 10 * o.info.fs }, leads: ["I"] };
    const item = await denseItem(new EcgLoader(dataDir), w, {
      config: withClasses,
      classifierOf: () => null,
    });
    const KC = names.length;
    const other = names.indexOf("Other rhythm");
    for (let i = 0; i < 20; i++) expect(item.targets[i * KC + other]).toBe(1);
    expect(item.targets.reduce((s, x) => s + x, 0)).toBe(20);
    expect(names.filter((_, j) => item.known![j])).toEqual([
      "Atrial fibrillation",
      "Normal sinus rhythm",
      "Other rhythm",
      "Noisy recording",
    ]);
  });

  it("a head without CinC 2017's classes skips the noisy recordings; one with them keeps every recording", () => {
    const kept = labelledForHead(af, config);
    expect(kept.length).toBe(af.filter((r) => r.episodes[0]!.rhythm !== "cinc2017:~").length);
    const names = [...DENSE_FINDING_NAMES, ...Object.values(CINC2017_CLASS_NAMES)];
    expect(labelledForHead(af, { ...config, encoder: { ...config.encoder, findings: names } })).toEqual(af);
  });

  it("the sampler gives each source its share of the windows and augments when asked", () => {
    const s = new DenseWindowSampler(
      [
        { records: mitdb, share: 0.75 },
        { records: af.filter((r) => r.split === "train"), share: 0.25 },
      ],
      10,
      3,
      true,
    );
    const ws = [0, 1, 2, 3, 4].flatMap((i) => s.batch(i, 100));
    const fromAf = ws.filter((w) => w.record.complete !== undefined).length / ws.length;
    expect(fromAf).toBeGreaterThan(0.18);
    expect(fromAf).toBeLessThan(0.32);
    const augmented = ws.filter((w) => w.augment).length / ws.length;
    expect(augmented).toBeGreaterThan(0.65);
    expect(augmented).toBeLessThan(0.85);
    expect(
      new DenseWindowSampler([{ records: mitdb, share: 1 }], 10, 3).batch(0, 50).every((w) => !w.augment),
    ).toBe(true);
  });
});

describeData("PTB-XL records in the labels stage", () => {
  const withClasses = {
    ...config,
    encoder: {
      ...config.encoder,
      findings: [...config.encoder.findings, ...Object.values(PTBXL_CLASS_NAMES)],
    },
  };
  const KC = withClasses.encoder.findings.length;

  it("each record carries its statements' diagnostic superclasses over its whole length", async () => {
    const recs = await loadPtbxlClasses(dataDir);
    const { records, statements } = await loadPtbxl(dataDir);
    expect(recs.length).toBeGreaterThan(300);
    for (const r of recs.slice(0, 50)) {
      const src = records.find((x) => x.path === r.info.path)!;
      const classes = new Set(src.scp.map((s) => statements.get(s.code)!.diagnosticClass).filter(Boolean));
      expect(new Set(r.episodes.map((e) => e.rhythm))).toEqual(new Set([...classes].map(ptbxlClassCode)));
      for (const e of r.episodes) expect([e.start, e.end]).toEqual([0, 1000]);
      expect(r.complete).toEqual(Object.keys(PTBXL_CLASS_NAMES).map(ptbxlClassCode));
    }
  });

  it("a PTB-XL window: every token has its classes, and only the classes count", async () => {
    const recs = await loadPtbxlClasses(dataDir);
    const mi = recs.find((r) => r.episodes.some((e) => e.rhythm === "ptbxl:MI"))!;
    const item = await denseItem(new EcgLoader(dataDir), { record: mi, window: { start: 0, end: 1000 }, leads: mi.info.leads }, { config: withClasses, classifierOf: () => null }); // prettier-ignore
    const miIndex = withClasses.encoder.findings.indexOf(PTBXL_CLASS_NAMES.MI!);
    for (let i = 0; i < 20; i++) expect(item.targets[i * KC + miIndex]).toBe(1);
    expect(
      Array.from(item.known!)
        .map((x, j) => (x ? withClasses.encoder.findings[j] : ""))
        .filter(Boolean),
    ).toEqual(Object.values(PTBXL_CLASS_NAMES));
  });

  it("an MIT-BIH window: its beats and rhythms count, the diagnostic classes do not", async () => {
    const rec = (await loadMitdb(dataDir)).find((r) => r.info.name === "119")!;
    const item = await denseItem(new EcgLoader(dataDir), { record: rec, window: { start: 0, end: 3600 }, leads: ["II"] }, { config: withClasses, classifierOf: () => null }); // prettier-ignore
    expect(Array.from(item.known!).filter((x) => x === 1).length).toBe(K);
    expect(Array.from(item.known!.subarray(K))).toEqual([0, 0, 0, 0, 0]);
  });

  it("a head naming a finding no source labels is refused", () => {
    const bad = { ...config, encoder: { ...config.encoder, findings: ["Premature ventricular contraction", "Unicorn"] } }; // prettier-ignore
    expect(() => headFindings(bad)).toThrow(/encoder.findings names "Unicorn", which no labelled source has/);
  });
});
