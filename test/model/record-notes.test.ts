import { describe, expect, it } from "vitest";
import { recordNote } from "../../src/model/record-notes.js";

const rhythms = (n: number, a: number, o: number, noisy: number) => [
  { name: "Normal sinus rhythm", p: n },
  { name: "Atrial fibrillation", p: a },
  { name: "Other rhythm", p: o },
  { name: "Noisy recording", p: noisy },
];

describe("record notes", () => {
  it("name the likeliest rhythm, the diagnoses more likely than not, then the possible ones", () => {
    expect(recordNote(rhythms(0.1, 0.7, 0.15, 0.05))).toBe("Record: Atrial fibrillation");
    expect(recordNote(rhythms(0.3, 0.2, 0.25, 0.25))).toBe("Record: Normal sinus rhythm");
    const diagnoses = [
      { name: "Normal ECG", p: 0.2 },
      { name: "Myocardial infarction", p: 0.8 },
      { name: "ST/T change", p: 0.51 },
      { name: "Conduction disturbance", p: 0.5 },
      { name: "Hypertrophy", p: 0.1 },
    ];
    expect(recordNote([...rhythms(0.6, 0.1, 0.2, 0.1), ...diagnoses])).toBe(
      "Record: Normal sinus rhythm, Myocardial infarction, ST/T change, Normal ECG (possible), Conduction disturbance (possible)",
    );
    // a rhythm is never "possible": only the likeliest is named
    expect(recordNote([...rhythms(0.45, 0.4, 0.1, 0.05), { name: "Normal ECG", p: 0.05 }])).toBe(
      "Record: Normal sinus rhythm",
    );
    expect(recordNote([])).toBe("");
  });
});
