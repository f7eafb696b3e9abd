/**
 * WFDB reader and writer on the shipped fixtures (no shared data needed): decoding, partial and
 * chunked reads, exact round trips, annotation encoding, and bad input.
 */
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  mkdirSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { samplesDir } from "../data.js";
import {
  readWfdbRecord,
  readWfdbChunks,
  writeWfdbRecord,
  readWfdbAnnotations,
  parseMitAnnotations,
  encodeMitAnnotations,
  parseWfdbHeader,
} from "../../src/ecg/wfdb/index.js";
import { InputError } from "../../src/errors.js";
import type { EcgAnnotation } from "../../src/ecg/record.js";

const mit = join(samplesDir, "mitdb-119-excerpt");
const ptb = join(samplesDir, "ptbxl-00001_lr");
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "anyecg-wfdb-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Copies a fixture record into a fresh folder of the temp dir, for corrupting. */
function copyRecord(base: string, exts: string[], sub: string): string {
  const dir = join(tmp, sub);
  mkdirSync(dir);
  const name = base.split("/").pop()!;
  for (const e of exts) copyFileSync(`${base}.${e}`, join(dir, `${name}.${e}`));
  return join(dir, name);
}

async function inputError(p: Promise<unknown>): Promise<InputError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
}

describe("header parsing", () => {
  it("reads fields, modifiers and defaults of the WFDB specification", () => {
    const h = parseWfdbHeader(
      [
        "rec 3 360/1000(5) 650000 10:20:30.5 01/02/2003",
        "rec.dat 212x4:2+24 2000(-5)/uV 11 3 7 -120 0 MLII lead",
        "rec.dat 16",
        "rec.dat 16 0/mmHg",
        "#  a comment",
      ].join("\n"),
      "rec.hea",
    );
    expect(h).toMatchObject({
      name: "rec",
      nsig: 3,
      fs: 360,
      counterFreq: 1000,
      baseCounter: 5,
      nsamp: 650000,
    });
    expect(h.comments).toEqual(["a comment"]);
    expect(h.signals[0]).toMatchObject({
      format: 212,
      samplesPerFrame: 4,
      skew: 2,
      byteOffset: 24,
      gain: 2000,
      baseline: -5,
      units: "uV",
      adcResolution: 11,
      adcZero: 3,
      initValue: 7,
      checksum: -120,
      description: "MLII lead",
    });
    // Defaults: gain 200, units mV, baseline = ADC zero, description "record x, signal n".
    expect(h.signals[1]).toMatchObject({ gain: 200, gainGiven: false, units: "mV", baseline: 0 });
    expect(h.signals[1]!.description).toBe("record rec, signal 1");
    expect(h.signals[2]).toMatchObject({ gain: 200, units: "mmHg" });
  });

  it("reads multi-segment headers with null segments", () => {
    const h = parseWfdbHeader("m/3 2 125 3000\nlayout 0\n~ 1000\nseg1 2000\n", "m.hea");
    expect(h.segments).toEqual([
      { name: "layout", nsamp: 0 },
      { name: "~", nsamp: 1000 },
      { name: "seg1", nsamp: 2000 },
    ]);
  });
});

describe("reading the fixtures", () => {
  it("reads the MIT-BIH excerpt with its annotations", async () => {
    const e = await readWfdbRecord(mit);
    expect(e.fs).toBe(360);
    expect(e.leads).toEqual(["MLII", "V1"]);
    expect(e.units).toEqual(["mV", "mV"]);
    expect(e.signals[0]!.length).toBe(3600);
    // The first sample is the header's initial value 864: (864 - 1024) / 200 mV.
    expect(e.signals[0]![0]).toBe(Math.fround((864 - 1024) / 200));
    expect(e.signals[1]![0]).toBe(Math.fround((861 - 1024) / 200));
    const codes = e.annotations.map((a) => a.code);
    expect(codes.filter((c) => c === "V").length).toBeGreaterThan(2);
    expect(e.annotations.every((a) => a.source === "atr")).toBe(true);
    expect(e.annotations.find((a) => a.code === "+")?.aux).toBe("(T");
    expect(e.source.comments?.at(-1)).toMatch(/record 119/);
  });

  it("accepts x, x.hea and x.dat", async () => {
    const a = await readWfdbRecord(`${mit}.hea`, { annotators: "none" });
    const b = await readWfdbRecord(`${mit}.dat`, { annotators: "none" });
    expect(b.signals).toEqual(a.signals);
    expect(a.annotations).toEqual([]);
  });

  it("reads the PTB-XL record in mV", async () => {
    const e = await readWfdbRecord(ptb);
    expect(e.leads).toEqual(["I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6"]);
    expect(e.fs).toBe(100);
    expect(e.signals.every((s) => s.length === 1000)).toBe(true);
    expect(e.signals[0]![0]).toBe(Math.fround(-0.119));
    expect(e.signals[11]![0]).toBe(Math.fround(-0.079));
  });

  it("selects leads by name, in the order asked", async () => {
    const e = await readWfdbRecord(ptb, { leads: ["V1", "II"] });
    const all = await readWfdbRecord(ptb);
    expect(e.leads).toEqual(["V1", "II"]);
    expect(e.signals[0]).toEqual(all.signals[6]);
    await expect(readWfdbRecord(ptb, { leads: ["V7"] })).rejects.toThrow(/no lead "V7"/);
  });

  it("partial reads equal slices of the whole record, annotations shifted", async () => {
    const all = await readWfdbRecord(mit);
    const part = await readWfdbRecord(mit, { from: 1001, to: 2500 });
    expect(part.signals[1]).toEqual(all.signals[1]!.slice(1001, 2500));
    expect(part.annotations.map((a) => a.sample)).toEqual(
      all.annotations.filter((a) => a.sample >= 1001 && a.sample < 2500).map((a) => a.sample - 1001),
    );
    await expect(readWfdbRecord(mit, { from: 10, to: 5000 })).rejects.toThrow(/outside the record/);
  });

  it("chunked reads cover the record exactly", async () => {
    const all = await readWfdbRecord(mit);
    const parts: Float32Array[] = [];
    let anns = 0;
    for await (const c of readWfdbChunks(mit, 1000)) {
      parts.push(c.signals[0]!);
      anns += c.annotations.length;
    }
    expect(parts.map((p) => p.length)).toEqual([1000, 1000, 1000, 600]);
    expect(Float32Array.from(parts.flatMap((p) => Array.from(p)))).toEqual(all.signals[0]);
    expect(anns).toBe(all.annotations.length);
  });
});

describe("writing", () => {
  for (const [name, base, format] of [
    ["MIT-BIH as 212", mit, 212],
    ["MIT-BIH as 16", mit, 16],
    ["PTB-XL as 16", ptb, 16],
  ] as const) {
    it(`round-trips ${name} exactly`, async () => {
      const e = await readWfdbRecord(base);
      const out = join(tmp, `rt-${format}-${base.split("/").pop()}`);
      await writeWfdbRecord(e, out, { format });
      const back = await readWfdbRecord(out);
      expect(back.signals).toEqual(e.signals);
      expect(back.leads).toEqual(e.leads);
      expect(back.annotations).toEqual(e.annotations);
      expect(back.source.comments).toEqual(e.source.comments);
    });
  }

  it("quantizes signals of other origins to the format's range, NaN as invalid", async () => {
    const x = Float32Array.from({ length: 500 }, (_, i) => 40 * Math.sin(i / 20));
    x[7] = NaN;
    const out = join(tmp, "synthetic");
    await writeWfdbRecord(
      {
        name: "s",
        fs: 250,
        leads: ["II"],
        signals: [x],
        units: ["mV"],
        annotations: [],
        source: { format: "json", path: "" },
      },
      out,
      { format: 212 },
    );
    const back = await readWfdbRecord(out);
    expect(back.signals[0]![7]).toBeNaN();
    let maxErr = 0;
    for (let i = 0; i < 500; i++)
      if (i !== 7) maxErr = Math.max(maxErr, Math.abs(back.signals[0]![i]! - x[i]!));
    expect(maxErr).toBeLessThan(0.02); // 40 mV in 12 bits: about 0.02 mV per step
  });

  it("refuses to overwrite an existing record", async () => {
    const e = await readWfdbRecord(ptb);
    const out = join(tmp, "once");
    await writeWfdbRecord(e, out);
    const err = await inputError(writeWfdbRecord(e, out));
    expect(err.problem).toMatch(/exists/);
  });
});

describe("MIT annotation format", () => {
  it("round-trips SKIP, SUB, CHN, NUM and odd-length AUX", () => {
    const anns: EcgAnnotation[] = [
      { sample: 5, code: "N", subtype: 0, channel: 0, num: 0 },
      { sample: 5 + 5000, code: "V", subtype: 2, channel: 1, num: 0 },
      { sample: 5 + 5000 + 1023, code: "+", subtype: 0, channel: 1, num: 3, aux: "(AFIB" },
      { sample: 2_000_000, code: "~", subtype: 0, channel: 1, num: 3, aux: "noisy" },
    ];
    const bytes = encodeMitAnnotations(anns);
    expect(parseMitAnnotations(bytes, "x.atr")).toEqual(anns);
    // Bytes by hand: "N" at 5 is code 1 << 10 | 5.
    expect([bytes[0], bytes[1]]).toEqual([5, 1 << 2]);
  });

  it("reads an annotation file by path, tagged with its extension", async () => {
    const anns = await readWfdbAnnotations(`${mit}.atr`);
    expect(anns.length).toBeGreaterThan(10);
    expect(new Set(anns.map((a) => a.source))).toEqual(new Set(["atr"]));
  });

  it("rejects unknown codes when writing", () => {
    expect(() => encodeMitAnnotations([{ sample: 1, code: "ZZ", subtype: 0, channel: 0, num: 0 }])).toThrow(
      InputError,
    );
  });
});

describe("bad input", () => {
  it("truncated .dat names the file and the missing samples", async () => {
    const rec = copyRecord(mit, ["hea", "dat"], "trunc");
    truncateSync(`${rec}.dat`, 10800 - 6); // 212, 2 signals: 3 bytes a frame
    const err = await inputError(readWfdbRecord(rec));
    expect(err.file).toBe("mitdb-119-excerpt.dat");
    expect(err.problem).toBe("file ends after 3598 of 3600 samples (2 missing)");
  });

  it("header sample count larger than the data", async () => {
    const rec = copyRecord(ptb, ["dat"], "count");
    const hea = readFileSync(`${ptb}.hea`, "latin1").replace("12 100 1000", "12 100 1200");
    writeFileSync(`${rec}.hea`, hea);
    const err = await inputError(readWfdbRecord(rec));
    expect(err.message).toBe("ptbxl-00001_lr.dat: file ends after 1000 of 1200 samples (200 missing)");
  });

  it("absurd sample counts and signal counts never allocate", async () => {
    const rec = copyRecord(ptb, ["dat"], "absurd");
    const hea = readFileSync(`${ptb}.hea`, "latin1");
    writeFileSync(`${rec}.hea`, hea.replace("12 100 1000", "12 100 900000000000000"));
    expect((await inputError(readWfdbRecord(rec))).problem).toMatch(
      /file ends after 1000 of 900000000000000/,
    );
    writeFileSync(`${rec}.hea`, hea.replace("12 100 1000", "2000000000 100 1000"));
    expect((await inputError(readWfdbRecord(rec))).problem).toMatch(/absurd number of signals/);
    writeFileSync(`${rec}.hea`, hea.replace("12 100 1000", "40 100 1000"));
    expect((await inputError(readWfdbRecord(rec))).problem).toBe(
      "header declares 40 signals but has 12 signal lines",
    );
  });

  it("checksum mismatch names the file and signal, unless disabled", async () => {
    const rec = copyRecord(ptb, ["hea", "dat"], "checksum");
    const dat = readFileSync(`${rec}.dat`);
    dat[2 * 12 * 500 + 2] ^= 0x10; // lead II, sample 500
    writeFileSync(`${rec}.dat`, dat);
    const err = await inputError(readWfdbRecord(rec));
    expect(err.file).toBe("ptbxl-00001_lr.dat");
    expect(err.problem).toMatch(/checksum mismatch for signal 1 "II"/);
    const e = await readWfdbRecord(rec, { verifyChecksum: false });
    expect(e.signals[1]!.length).toBe(1000);
    // Partial reads cannot check sums and succeed.
    await readWfdbRecord(rec, { from: 0, to: 999 });
  });

  it("unknown format, FLAC format, missing signal file, empty header, directory", async () => {
    const rec = copyRecord(ptb, ["dat"], "misc");
    const hea = readFileSync(`${ptb}.hea`, "latin1");
    writeFileSync(`${rec}.hea`, hea.replace(/dat 16 /g, "dat 999 "));
    expect((await inputError(readWfdbRecord(rec))).problem).toMatch(/unknown WFDB signal format 999/);
    writeFileSync(`${rec}.hea`, hea.replace(/dat 16 /g, "dat 516 "));
    expect((await inputError(readWfdbRecord(rec))).problem).toBe("FLAC signal format 516 is not supported");
    writeFileSync(`${rec}.hea`, hea.replace(/ptbxl-00001_lr\.dat/g, "gone.dat"));
    const missing = await inputError(readWfdbRecord(rec));
    expect(missing.file).toBe("gone.dat");
    expect(missing.problem).toMatch(/signal file not found/);
    writeFileSync(`${rec}.hea`, "\n\n");
    expect((await inputError(readWfdbRecord(rec))).problem).toMatch(/empty WFDB header/);
    expect((await inputError(readWfdbRecord(tmp))).problem).toMatch(/is a directory/);
    expect((await inputError(readWfdbRecord(join(tmp, "nothing")))).problem).toMatch(/no WFDB header/);
  });

  it("a bad annotation file is an input error", async () => {
    const rec = copyRecord(mit, ["hea", "dat"], "badann");
    writeFileSync(`${rec}.atr`, Uint8Array.from([0, 59 << 2, 1]));
    expect((await inputError(readWfdbRecord(rec))).problem).toMatch(/SKIP/);
  });
});
