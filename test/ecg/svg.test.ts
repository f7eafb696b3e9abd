import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { readEcg } from "../../src/ecg/read.js";
import { plotEcgSvg } from "../../src/ecg/svg.js";
import { samplesDir } from "../data.js";

describe("plotEcgSvg", () => {
  it("draws a 12-lead record in the 3 x 4 layout with a rhythm strip at 25 mm/s", async () => {
    const ecg = await readEcg(join(samplesDir, "ptbxl-00001_lr.hea"));
    const svg = plotEcgSvg(ecg);
    const traces = svg.match(/stroke="#000"/g) ?? [];
    expect(traces).toHaveLength(13); // 12 leads x 2.5 s + lead II rhythm strip
    // 10 s at 25 mm/s = 250 mm of trace plus two 10 mm margins.
    expect(svg).toContain('viewBox="0 0 270 ');
  });

  it("draws one strip per lead per row and highlights intervals", async () => {
    const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
    const svg = plotEcgSvg(ecg, { rowSeconds: 5, highlights: [{ start: 1, end: 2.5, label: "PVC" }] });
    expect(svg.match(/stroke="#000"/g)).toHaveLength(4); // 2 leads x 2 rows
    // The 1-2.5 s band crosses both leads of the first row only: 1.5 s = 37.5 mm wide.
    expect(svg.match(/<rect x="35" y="[\d.]+" width="37.5"/g)).toHaveLength(2);
  });

  it("rejects a start after the end and an unknown lead", async () => {
    const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
    expect(() => plotEcgSvg(ecg, { start: 20 })).toThrow(/after the end/);
    expect(() => plotEcgSvg(ecg, { leads: ["V5"] })).toThrow(/V5/);
  });
});
