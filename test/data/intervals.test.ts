import { describe, expect, it } from "vitest";
import {
  beatIntervals,
  formatLocalizationAnswer,
  mergeIntervals,
  parseLocalizationAnswer,
  IntervalOrder,
  type AnswerOrder,
  rhythmEpisodes,
  rhythmIntervals,
  waveSpans,
} from "../../src/data/intervals.js";
import { annotation } from "../data.js";

describe("beat rule (synthetic annotations, fs 100)", () => {
  // Beats every 100 samples; V at 300 and 500 (one normal beat apart), A at 900.
  const anns = [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000].map((s) =>
    annotation(s, s === 300 || s === 500 ? "V" : s === 900 ? "A" : "N"),
  );
  anns.splice(4, 0, annotation(350, "~")); // a noise mark between beats is not a beat
  it("spans previous to next beat and merges spans sharing a boundary", () => {
    const iv = beatIntervals(anns, new Set(["V"]), { start: 0, end: 1100 }, 100, 1100);
    expect(iv).toEqual([{ start: 2, end: 6 }]);
    expect(formatLocalizationAnswer("Premature ventricular contraction", iv)).toBe("Duration: 2.0s-6.0s");
  });
  it("clips to the window and reports times from the window start", () => {
    const iv = beatIntervals(anns, new Set(["V"]), { start: 250, end: 450 }, 100, 1100);
    expect(iv).toEqual([{ start: 0, end: 1.5 }]);
  });
  it("says No ... Found when no such beat lies in the window", () => {
    const iv = beatIntervals(anns, new Set(["A"]), { start: 0, end: 850 }, 100, 1100);
    expect(formatLocalizationAnswer("Atrial premature beat", iv)).toBe("No Atrial premature beat Found");
  });
  it("rounds to 0.1 s", () => {
    const iv = beatIntervals(anns, new Set(["A"]), { start: 3, end: 1100 }, 100, 1100);
    expect(iv).toEqual([{ start: 8, end: 10 }]); // (800-3)/100 = 7.97 -> 8.0, (1000-3)/100 = 9.97 -> 10.0
  });
});

describe("rhythm episodes and waves", () => {
  it("runs from a rhythm change to the next one or the record end", () => {
    const eps = rhythmEpisodes(
      [
        annotation(0, "+", "(N"),
        annotation(500, "+", "(AFIB"),
        annotation(900, "+", "(N"),
        annotation(1500, "+", "(AFIB"),
      ],
      2000,
    );
    expect(eps.map((e) => [e.rhythm, e.start, e.end])).toEqual([
      ["(N", 0, 500],
      ["(AFIB", 500, 900],
      ["(N", 900, 1500],
      ["(AFIB", 1500, 2000],
    ]);
    expect(rhythmIntervals(eps, "(AFIB", { start: 800, end: 1800 }, 100)).toEqual([
      { start: 0, end: 1 },
      { start: 7, end: 10 },
    ]);
  });
  it("takes waves from complete ( wave ) triples only", () => {
    const anns = [
      annotation(10, "p"),
      annotation(11, ")"),
      annotation(20, "("),
      annotation(30, "N"),
      annotation(40, ")"),
      annotation(50, "("),
      annotation(60, "t"),
    ];
    expect(waveSpans(anns, "N")).toEqual([{ start: 20, end: 40 }]);
    expect(waveSpans(anns, "p")).toEqual([]);
    expect(waveSpans(anns, "t")).toEqual([]);
  });
  it("merges overlapping and touching intervals, drops empty ones", () => {
    expect(
      mergeIntervals([
        { start: 3, end: 4 },
        { start: 0, end: 1 },
        { start: 1, end: 2 },
        { start: 5, end: 5 },
      ]),
    ).toEqual([
      { start: 0, end: 2 },
      { start: 3, end: 4 },
    ]);
  });
});

describe("answer parser", () => {
  it("round-trips what we write", () => {
    const iv = [
      { start: 0.4, end: 3.7 },
      { start: 4.6, end: 9.3 },
    ];
    const text = formatLocalizationAnswer("Atrial fibrillation", iv);
    expect(text).toBe("Duration: 0.4s-3.7s, 4.6s-9.3s");
    expect(parseLocalizationAnswer(text)).toEqual({ found: true, intervals: iv });
    expect(parseLocalizationAnswer("No Atrial fibrillation Found")).toEqual({
      found: false,
      name: "Atrial fibrillation",
    });
  });
  it("accepts small variations and rejects garbage", () => {
    expect(parseLocalizationAnswer("Duration: 1 - 2.5s; 3s to 4s.")).toEqual({
      found: true,
      intervals: [
        { start: 1, end: 2.5 },
        { start: 3, end: 4 },
      ],
    });
    expect(parseLocalizationAnswer("Duration: 5s-2s")).toBeNull();
    expect(parseLocalizationAnswer("Duration: soon")).toBeNull();
    expect(parseLocalizationAnswer("I think there is AF")).toBeNull();
  });
});

describe("IntervalOrder (a localization answer while it is written)", () => {
  const intervalsInOrder = (text: string): AnswerOrder => new IntervalOrder().update(text);

  it("lets intervals that move forward through, and streams only complete ones", () => {
    expect(intervalsInOrder("Duration: 0.4s-3.7s, 4.6s-9.3s")).toEqual({ safe: 30, cut: null });
    expect(intervalsInOrder("Duration: 0.4s-3.7s, 4.6s-9")).toEqual({ safe: 19, cut: null });
    expect(intervalsInOrder("Duration: 0.4s-3.7s, 3.7s-9.0s")).toEqual({ safe: 30, cut: null }); // touching
  });

  it("cuts at the last interval in order when one goes back or ends before it starts", () => {
    expect(intervalsInOrder("Duration: 0.4s-3.7s, 4.6s-9.3s, 0.4s-3.7s").cut).toBe(30);
    expect(intervalsInOrder("Duration: 0.4s-3.7s, 3.0s-9.3s").cut).toBe(19); // overlaps
    expect(intervalsInOrder("Duration: 5.0s-3.0s").cut).toBe(0);
  });

  it("never cuts other answers", () => {
    expect(intervalsInOrder("No Atrial fibrillation Found")).toEqual({ safe: 28, cut: null });
    expect(intervalsInOrder("Report: 2.0s-1.0s")).toEqual({ safe: 17, cut: null });
  });

  it("read a character at a time, as generation does, it finds what it finds in the whole answer", () => {
    for (const answer of [
      "Duration: 0.4s-3.7s, 4.6s-9.3s, 10.0s-12.5s",
      "Duration: 0.4s-3.7s, 4.6s-9.3s, 0.4s-3.7s, 12.0s-13.0s",
      "Duration: 1.0s-10.0s, 10.0s-9.0s",
      "No Atrial fibrillation Found",
    ]) {
      const order = new IntervalOrder();
      let got = order.update("");
      for (let n = 1; n <= answer.length && got.cut === null; n++) {
        got = order.update(answer.slice(0, n));
        if (got.cut === null) expect(got).toEqual(intervalsInOrder(answer.slice(0, n)));
      }
      expect(got).toEqual(intervalsInOrder(answer));
    }
  });
});
