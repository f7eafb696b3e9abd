// Note drills: each made-up note's answer is what the note says about the finding asked (its
// intervals, or `No <name> Found` when the note does not name it), in the answers' own format.
import { describe, expect, it } from "vitest";
import { parseLocalizationIntervals } from "../../src/eval/metrics/iou.js";
import { NOTE_FINDINGS } from "../../src/model/beat-notes.js";
import { DRILL_DATASET, noteDrills } from "../../src/train/note-drills.js";

const names = NOTE_FINDINGS.map((f) => f.name);

/** The note's findings and their interval text, read back from `ECG 1: Beats: a 1.0s-2.0s; b ...`. */
function readNote(question: string): Map<string, string> {
  const line = /^ECG 1: Beats: ([^\n]*)\n/.exec(question)![1]!;
  if (line === "all normal") return new Map();
  return new Map(
    line.split("; ").map((part) => {
      const name = names.find((n) => part.startsWith(`${n} `))!;
      expect(name).toBeDefined();
      return [name, part.slice(name.length + 1)];
    }),
  );
}

describe("note drills", () => {
  const drills = noteDrills(400, 3);

  it("answer each question from the note alone", () => {
    let copied = 0;
    let absent = 0;
    for (const d of drills) {
      const note = readNote(d.question);
      const asked = d.abnormal_type!;
      expect(names).toContain(asked);
      if (note.has(asked)) {
        expect(d.answer).toBe(`Duration: ${note.get(asked)}`);
        copied++;
      } else {
        expect(d.answer).toBe(`No ${asked} Found`);
        absent++;
      }
    }
    // both kinds of question are drilled, mostly the copy
    expect(copied).toBeGreaterThan(absent);
    expect(absent).toBeGreaterThan(40);
  });

  it("write sorted, disjoint intervals inside the window, in note order, without ECGs", () => {
    for (const d of drills) {
      const window = d.task === "location" ? 10 : 60;
      const note = readNote(d.question);
      const order = [...note.keys()].map((n) => names.indexOf(n));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      for (const times of note.values()) {
        const iv = parseLocalizationIntervals(`Duration: ${times}`)!;
        iv.forEach((x, k) => {
          expect(x.start).toBeGreaterThanOrEqual(0);
          expect(x.end).toBeLessThanOrEqual(window);
          expect(x.end).toBeGreaterThan(x.start);
          if (k > 0) expect(x.start).toBeGreaterThan(iv[k - 1]!.end);
        });
      }
      expect(d.ecg_path).toEqual([]);
      expect(d.dataset).toBe(DRILL_DATASET);
    }
    expect(new Set(drills.map((d) => d.task))).toEqual(new Set(["location", "location_long"]));
  });

  it("are the same for the same seed and differ for another", () => {
    expect(noteDrills(20, 3)).toEqual(drills.slice(0, 20));
    expect(noteDrills(20, 4).map((d) => d.question)).not.toEqual(drills.slice(0, 20).map((d) => d.question));
  });
});
