import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { float32ToString, readJson, writeJson } from "../../src/ecg/json.js";
import { readEdf } from "../../src/ecg/edf.js";
import { InputError } from "../../src/errors.js";
import { samplesDir } from "../data.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "anyecg-json-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, doc: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof doc === "string" ? doc : JSON.stringify(doc));
  return p;
}

/** A small deterministic generator, so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe("float32ToString", () => {
  it("re-reads to the same float32 for values of every magnitude, and stays short", () => {
    const rnd = lcg(7);
    const bits = new Uint32Array(1);
    const f = new Float32Array(bits.buffer);
    const failures: string[] = [];
    for (let i = 0; i < 20000; i++) {
      bits[0] = Math.floor(rnd() * 2 ** 32);
      if (!Number.isFinite(f[0]!)) continue;
      const s = float32ToString(f[0]!);
      const significant = s
        .replace(/e.*$/, "")
        .replace(/[-.]/g, "")
        .replace(/^0+|0+$/g, "");
      if (Math.fround(Number(s)) !== f[0] || significant.length > 9) failures.push(`${f[0]} -> ${s}`);
    }
    expect(failures).toEqual([]);
    expect(float32ToString(0.455)).toBe("0.455");
    expect(float32ToString(Math.fround(0.1))).toBe("0.1");
    expect(float32ToString(-3)).toBe("-3");
    expect(float32ToString(-0)).toBe("-0");
    expect(float32ToString(Math.fround(3.4e38))).toBe("3.4e+38");
  });
});

describe("anyecg JSON", () => {
  it("round-trips an EDF record exactly: samples, leads, units, start time and annotations", async () => {
    const ecg = await readEdf(join(samplesDir, "test_generator_2-10s.edf"));
    const p = join(dir, "gen.json");
    await writeJson(ecg, p);
    const back = await readJson(p);
    expect(back.fs).toBe(ecg.fs);
    expect(back.name).toBe(ecg.name);
    expect(back.leads).toEqual(ecg.leads);
    expect(back.units).toEqual(ecg.units);
    expect(back.startTime).toBe(ecg.startTime);
    expect(back.annotations).toEqual(ecg.annotations);
    back.signals.forEach((s, l) => expect(s).toEqual(ecg.signals[l]));
    const doc = JSON.parse(readFileSync(p, "utf8")) as { format: string; version: number };
    expect(doc.format).toBe("anyecg-ecg");
    expect(doc.version).toBe(1);
  });

  it("reads a minimal document, converting uV to mV and selecting leads", async () => {
    const p = file("min.json", {
      fs: 500,
      leads: ["I", "II"],
      units: ["uV", "mV"],
      signals: [
        [1000, -500],
        [1, 2],
      ],
    });
    const ecg = await readJson(p);
    expect(ecg.name).toBe("min");
    expect(ecg.units).toEqual(["mV", "mV"]);
    expect(Array.from(ecg.signals[0]!)).toEqual([1, -0.5]);
    expect(ecg.annotations).toEqual([]);
    const ii = await readJson(p, { leads: ["ii"] });
    expect(ii.leads).toEqual(["II"]);
  });

  it("refuses to overwrite an existing file unless asked", async () => {
    const p = file("there.json", "{}");
    const ecg = await readJson(file("src.json", { fs: 1, leads: ["I"], signals: [[1]] }));
    await expect(writeJson(ecg, p)).rejects.toThrow(/there\.json: file exists/);
    await writeJson(ecg, p, { overwrite: true });
    expect((await readJson(p)).fs).toBe(1);
  });

  it.each([
    ["not JSON", "{fs: 1", /not valid JSON/],
    ["an array", "[1,2]", /expected a JSON object/],
    ["no fs", { leads: ["I"], signals: [[1]] }, /"fs" must be a positive number, got undefined/],
    ["a zero fs", { fs: 0, leads: ["I"], signals: [[1]] }, /"fs" must be a positive number, got 0/],
    [
      "signals not matching leads",
      { fs: 1, leads: ["I", "II"], signals: [[1]] },
      /one array per lead \(2 leads\)/,
    ],
    [
      "unequal lengths",
      { fs: 1, leads: ["I", "II"], signals: [[1, 2], [1]] },
      /lead "II" has 1 samples, lead "I" has 2/,
    ],
    [
      "a null sample",
      { fs: 1, leads: ["I"], signals: [[1, null]] },
      /lead "I", sample 1: null is not a finite number/,
    ],
    [
      "a string sample",
      { fs: 1, leads: ["I"], signals: [["1"]] },
      /lead "I", sample 0: "1" is not a finite number/,
    ],
    ["another format", { format: "other", fs: 1, leads: [], signals: [] }, /unknown JSON format "other"/],
    [
      "bad annotations",
      { fs: 1, leads: ["I"], signals: [[1]], annotations: [{ code: "N" }] },
      /annotation 0 needs/,
    ],
  ])("rejects %s with an InputError naming the file", async (name, doc, message) => {
    const p = file(`bad-${name.replace(/ /g, "-")}.json`, doc);
    const err = await readJson(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^bad-.*\.json: /);
    expect((err as Error).message).toMatch(message);
  });
});
