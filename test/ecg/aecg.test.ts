import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readAecg } from "../../src/ecg/aecg.js";
import { InputError } from "../../src/errors.js";
import { dataPath, describeData, samplesDir } from "../data.js";

const fixture = join(samplesDir, "hl7-aecg-example-2s.xml");
const twelve = ["I", "II", "V1", "V2", "V3", "V4", "V5", "V6", "III", "aVR", "aVL", "aVF"];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "anyecg-aecg-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Largest |III - (II - I)| and |aVR + (I + II)/2|: Einthoven's and Goldberger's relations. */
function limbLeadError(s: Float32Array[], idx: (n: string) => number): number {
  let worst = 0;
  for (let i = 0; i < s[0]!.length; i++) {
    const [I, II, III, aVR] = ["I", "II", "III", "aVR"].map((n) => s[idx(n)]![i]!);
    worst = Math.max(worst, Math.abs(III! - (II! - I!)), Math.abs(aVR! + (I! + II!) / 2));
  }
  return worst;
}

describe("HL7 aECG reader on the shipped 2-s cut of the HL7 example", () => {
  it("reads the rhythm series: 12 leads named from MDC codes, 500 Hz from the increment, mV", async () => {
    const ecg = await readAecg(fixture);
    expect(ecg.source.format).toBe("hl7-aecg");
    expect(ecg.source.seriesCode).toBe("RHYTHM");
    expect(ecg.leads).toEqual(twelve);
    expect(ecg.fs).toBe(500);
    expect(ecg.units.every((u) => u === "mV")).toBe(true);
    expect(ecg.signals.every((s) => s.length === 1000)).toBe(true);
    expect(ecg.startTime).toBe("2002-11-22T09:10:00.000");
    // origin 0 uV, scale 2.5 uV: the first digits of lead I are -2 -2 -2 -2 -3.
    expect(Array.from(ecg.signals[0]!.slice(0, 5))).toEqual(
      [-2, -2, -2, -2, -3].map((d) => Math.fround(d * 0.0025)),
    );
  });

  it("gives leads that obey Einthoven's and Goldberger's relations (within one 2.5 uV step)", async () => {
    const ecg = await readAecg(fixture);
    expect(limbLeadError(ecg.signals, (n) => ecg.leads.indexOf(n))).toBeLessThan(0.0026);
  });

  it("maps the rhythm statement and the beats inside the waveform to annotations", async () => {
    const ecg = await readAecg(fixture);
    expect(ecg.annotations[0]).toMatchObject({
      sample: 0,
      code: "+",
      aux: "(N",
      durationSeconds: 10,
      source: "aecg",
    });
    const beats = ecg.annotations.filter((a) => a.code === "N");
    expect(beats.map((b) => b.sample)).toEqual([135, 530, 934]);
    expect(beats[0]).toMatchObject({ aux: "MDC_ECG_BEAT_NORMAL", durationSeconds: 0.12 });
  });

  it("selects leads by name", async () => {
    const ecg = await readAecg(fixture, { leads: ["avf", "V1"] });
    expect(ecg.leads).toEqual(["aVF", "V1"]);
  });

  it("rejects XML that is not an aECG, and malformed XML, naming the file", async () => {
    const other = join(dir, "other.xml");
    writeFileSync(other, '<?xml version="1.0"?><svg><rect/></svg>');
    await expect(readAecg(other)).rejects.toThrow(/^other\.xml: not an HL7 aECG file \(root element <svg>/);
    const broken = join(dir, "broken.xml");
    writeFileSync(broken, "<AnnotatedECG><component></AnnotatedECG>");
    const err = await readAecg(broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^broken\.xml: malformed XML at line 1/);
    const empty = join(dir, "noseries.xml");
    writeFileSync(empty, '<AnnotatedECG xmlns="urn:hl7-org:v3"><id root="1"/></AnnotatedECG>');
    await expect(readAecg(empty)).rejects.toThrow(/noseries\.xml: aECG file has no <series>/);
  });
});

describeData("HL7 aECG reader on the full example", () => {
  it("reads 10 s of 12 leads and all 12 beats plus the rhythm", async () => {
    const ecg = await readAecg(dataPath("formats", "other", "hl7_aecg_example.xml"));
    expect(ecg.leads).toEqual(twelve);
    expect(ecg.signals.every((s) => s.length === 5000)).toBe(true);
    expect(ecg.annotations.filter((a) => a.code === "N")).toHaveLength(12);
    expect(limbLeadError(ecg.signals, (n) => ecg.leads.indexOf(n))).toBeLessThan(0.0026);
  });
});
