import { describe, expect, it } from "vitest";
import {
  STANDARD_LEADS,
  leadMask,
  nearestStandardLead,
  normalizeLeadName,
  standardLeadIndex,
  toStandard12,
} from "../../src/ecg/leads.js";
import type { Ecg } from "../../src/ecg/record.js";

describe("normalizeLeadName", () => {
  const cases: [string, string][] = [
    ["MLII", "II"],
    ["ML2", "II"],
    ["MLI", "I"],
    ["MLIII", "III"],
    ["D1", "I"],
    ["D2", "II"],
    ["D3", "III"],
    ["DI", "I"],
    ["DII", "II"],
    ["DIII", "III"],
    ["ECG", "I"],
    ["ECG1", "I"],
    ["i", "I"],
    ["ii", "II"],
    ["Iii", "III"],
    ["ECG II", "II"],
    ["EKG Lead II", "II"],
    ["Lead V1", "V1"],
    ["ECG_V3", "V3"],
    ["Lead 2", "II"],
    ["aVR", "aVR"],
    ["AVR", "aVR"],
    ["avr", "aVR"],
    ["ECG aVF", "aVF"],
    ["avl", "aVL"],
    ["v1", "V1"],
    ["V6", "V6"],
    [" V4 ", "V4"],
  ];
  it.each(cases)("%s -> %s", (input, want) => {
    expect(normalizeLeadName(input)).toBe(want);
  });

  it("keeps unknown and inverted names unchanged", () => {
    for (const name of ["-aVR", "CM5", "Resp", "ECG2", "2", "V7", "PLETH", "", "LEAD"]) {
      expect(normalizeLeadName(name)).toBe(name);
    }
  });

  it("gives standard indices in the model's order", () => {
    expect(STANDARD_LEADS).toEqual([
      "I",
      "II",
      "III",
      "aVR",
      "aVL",
      "aVF",
      "V1",
      "V2",
      "V3",
      "V4",
      "V5",
      "V6",
    ]);
    expect(standardLeadIndex("MLII")).toBe(1);
    expect(standardLeadIndex("avf")).toBe(5);
    expect(standardLeadIndex("v6")).toBe(11);
    expect(standardLeadIndex("CM5")).toBe(-1);
  });
});

describe("nearestStandardLead", () => {
  it("places Holter and modified leads", () => {
    expect(nearestStandardLead("V1")).toBe("V1");
    expect(nearestStandardLead("V2")).toBe("V2");
    expect(nearestStandardLead("ML2")).toBe("II");
    expect(nearestStandardLead("CM5")).toBe("V5");
    expect(nearestStandardLead("CC5")).toBe("V5");
    expect(nearestStandardLead("MCL1")).toBe("V1");
    expect(nearestStandardLead("modified V1")).toBe("V1");
    expect(nearestStandardLead("MV2")).toBe("V2");
    expect(nearestStandardLead("ES")).toBe("aVF");
  });
  it("gives null for channels that are not ECG leads", () => {
    expect(nearestStandardLead("Resp")).toBeNull();
    expect(nearestStandardLead("-aVR")).toBeNull();
    expect(nearestStandardLead("ABP")).toBeNull();
  });
});

function ecgOf(leads: string[], n: number): Ecg {
  return {
    name: "t",
    fs: 100,
    leads,
    signals: leads.map((_, i) => new Float32Array(n).fill(i + 1)),
    units: leads.map(() => "mV"),
    annotations: [],
    source: { format: "test", path: "t" },
  };
}

describe("leadMask and toStandard12", () => {
  it("masks the present standard leads", () => {
    expect(Array.from(leadMask(["MLII", "V1"]))).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(leadMask(["Resp"]))).toEqual(new Array(12).fill(0));
  });

  it("fills absent leads with zeros and uses nearest placements", () => {
    const ecg = ecgOf(["MLII", "CM5", "Resp"], 7);
    const s = toStandard12(ecg);
    expect(s.signals).toHaveLength(12);
    expect(Array.from(s.mask)).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(s.signals[1]![0]).toBe(1);
    expect(s.signals[10]![0]).toBe(2);
    expect(s.signals[0]).toEqual(new Float32Array(7));
    expect(s.source[10]).toBe(1);
    const exact = toStandard12(ecg, { nearest: false });
    expect(exact.mask[10]).toBe(0);
  });

  it("prefers an exact lead over an approximation and the first duplicate", () => {
    const s = toStandard12(ecgOf(["CM5", "V5", "v5"], 3));
    expect(s.source[10]).toBe(1);
  });
});
