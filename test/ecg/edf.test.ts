import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readEdf, parseTals, voltageToMvFactor, type EdfHeader } from "../../src/ecg/edf.js";
import { InputError } from "../../src/errors.js";
import { dataPath, describeData, samplesDir } from "../data.js";

const generator = join(samplesDir, "test_generator_2-10s.edf");
const edfann = join(samplesDir, "test_edfann.edf");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "anyecg-edf-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a copy of `src` with `edit` applied to its bytes. */
function variant(name: string, src: string, edit: (b: Buffer) => Buffer): string {
  const out = join(dir, name);
  writeFileSync(out, edit(Buffer.from(readFileSync(src))));
  return out;
}

function setField(b: Buffer, at: number, len: number, text: string): Buffer {
  b.write(text.padEnd(len, " "), at, len, "latin1");
  return b;
}

interface SynthSignal {
  label: string;
  dim: string;
  pmin: number;
  pmax: number;
  dmin: number;
  dmax: number;
  spr: number;
}

/** Builds a small EDF/BDF file: records[r][s] is the bytes of signal s in record r. */
function buildEdf(opts: {
  bdf?: boolean;
  reserved?: string;
  duration: number;
  signals: SynthSignal[];
  records: Buffer[][];
  numRecords?: string;
}): Buffer {
  const ns = opts.signals.length;
  const f = (s: string | number, n: number) => String(s).padEnd(n, " ").slice(0, n);
  let h = opts.bdf ? "\xffBIOSEMI" : f("0", 8);
  h += f("X X X X", 80) + f("Startdate 10-DEC-2009 X X test", 80) + "10.12.0912.44.02";
  h += f(256 * (ns + 1), 8) + f(opts.reserved ?? "", 44) + f(opts.numRecords ?? opts.records.length, 8);
  h += f(opts.duration, 8) + f(ns, 4);
  const col = (g: (s: SynthSignal) => string | number, n: number) =>
    opts.signals.map((s) => f(g(s), n)).join("");
  h += col((s) => s.label, 16) + col(() => "", 80) + col((s) => s.dim, 8);
  h += col((s) => s.pmin, 8) + col((s) => s.pmax, 8) + col((s) => s.dmin, 8) + col((s) => s.dmax, 8);
  h += col(() => "", 80) + col((s) => s.spr, 8) + col(() => "", 32);
  return Buffer.concat([Buffer.from(h, "latin1"), ...opts.records.flat()]);
}

function int16(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeInt16LE(v, i * 2));
  return b;
}

function tal(text: string, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  b.write(text, 0, "latin1");
  return b;
}

describe("EDF+ reader on the shipped test_generator_2 excerpt", () => {
  it("reads the header, the 11 signals at 200 Hz in mV, the start time and the annotations", async () => {
    const ecg = await readEdf(generator);
    const h = ecg.source.edf as EdfHeader;
    expect(ecg.source.format).toBe("edf+");
    expect(h.version).toBe("0");
    expect(h.reserved).toBe("EDF+C");
    expect(h.recordCount).toBe(10);
    expect(h.recordDuration).toBe(1);
    expect(h.headerBytes).toBe(256 * 13);
    expect(ecg.fs).toBe(200);
    expect(ecg.leads).toEqual([
      "squarewave",
      "ramp",
      "pulse",
      "ECG",
      "noise",
      "sine 1 Hz",
      "sine 8 Hz",
      "sine 8.5 Hz",
      "sine 15 Hz",
      "sine 17 Hz",
      "sine 50 Hz",
    ]);
    // uV becomes mV; the degree sign (Latin-1 0xB0) is kept as the unit of a non-voltage channel.
    expect(ecg.units[0]).toBe("mV");
    expect(ecg.units[8]).toBe("°");
    expect(ecg.signals.every((s) => s.length === 2000)).toBe(true);
    expect(ecg.startTime).toBe("2009-12-10T12:44:02");
    // The excerpt keeps the file's annotations as written, the end mark of the full 600 s included.
    expect(ecg.annotations).toHaveLength(2);
    expect(ecg.annotations[0]).toMatchObject({ sample: 0, code: '"', aux: "RECORD START", source: "edf" });
    expect(ecg.annotations[1]).toMatchObject({ sample: 120000, aux: "REC STOP" });
    expect(ecg.source.skippedSignals).toEqual([]);
  });

  it("scales to physical units: the 1 Hz sine has a 1 s period and an amplitude well inside ±1 mV", async () => {
    const ecg = await readEdf(generator);
    const sine = ecg.signals[5]!;
    for (let i = 0; i < 1800; i += 37) expect(sine[i + 200]).toBeCloseTo(sine[i]!, 6);
    const max = Math.max(...sine);
    const min = Math.min(...sine);
    expect(max).toBeGreaterThan(0.05);
    expect(max).toBeLessThan(1);
    expect(min).toBeCloseTo(-max, 2);
  });

  it("reads a window in seconds and selected leads, equal to the same cut of a full read", async () => {
    const full = await readEdf(generator);
    const part = await readEdf(generator, { from: 1.5, to: 2.25, leads: ["ecg", "sine 8 Hz"] });
    expect(part.leads).toEqual(["ECG", "sine 8 Hz"]);
    expect(part.signals[0]).toEqual(full.signals[3]!.slice(300, 450));
    expect(part.signals[1]).toEqual(full.signals[6]!.slice(300, 450));
    expect(part.startTime).toBe("2009-12-10T12:44:03.500");
    expect(part.annotations).toEqual([]);
  });

  it("names the missing lead and lists the file's signals", async () => {
    await expect(readEdf(generator, { leads: ["V7"] })).rejects.toThrow(
      /no lead "V7" \(leads: squarewave, ramp/,
    );
  });
});

describe("EDF+ annotations (shipped test_edfann.edf, annotations only)", () => {
  it("maps every TAL to an annotation with onset, duration and text, at a 1000 Hz time base", async () => {
    const ecg = await readEdf(edfann);
    expect(ecg.leads).toEqual([]);
    expect(ecg.fs).toBe(1000);
    expect(ecg.source.annotationOnly).toBe(true);
    expect(ecg.startTime).toBe("2001-01-01T23:59:30");
    expect(ecg.annotations[0]).toMatchObject({
      sample: 0,
      code: '"',
      aux: "Sleep stage W",
      durationSeconds: 30,
    });
    expect(ecg.annotations[2]).toMatchObject({
      sample: 33430,
      aux: "Lights off@@EEG F4-A1",
      durationSeconds: 0,
    });
    const texts = new Set(ecg.annotations.map((a) => a.aux));
    expect(texts).toContain("Sleep stage N2");
    expect(texts).toContain("Sleep stage R");
    const samples = ecg.annotations.map((a) => a.sample);
    expect(samples).toEqual([...samples].sort((a, b) => a - b));
  });

  it("parses TALs: time-keeping, several texts, durations, beat codes and rhythm strings", () => {
    const bytes = Buffer.from("+0.5\x14\x14\0+1.25\x150.5\x14V\x14note\x14\0+2\x14(AFIB\x14\0\0\0", "latin1");
    const { recordOnset, annotations } = parseTals("x.edf", bytes, true);
    expect(recordOnset).toBe(0.5);
    expect(annotations).toEqual([
      { onset: 1.25, duration: 0.5, text: "V" },
      { onset: 1.25, duration: 0.5, text: "note" },
      { onset: 2, duration: undefined, text: "(AFIB" },
    ]);
    expect(() => parseTals("x.edf", Buffer.from("1.0\x14a\x14\0", "latin1"), true)).toThrow(
      /malformed EDF\+ annotation/,
    );
  });

  it("gives annotation codes: beat mnemonics as is, rhythms as '+', other text as a note", async () => {
    const sig: SynthSignal = {
      label: "ECG",
      dim: "uV",
      pmin: -3276.8,
      pmax: 3276.7,
      dmin: -32768,
      dmax: 32767,
      spr: 4,
    };
    const ann: SynthSignal = {
      label: "EDF Annotations",
      dim: "",
      pmin: -1,
      pmax: 1,
      dmin: -32768,
      dmax: 32767,
      spr: 30,
    };
    const file = join(dir, "codes.edf");
    const talText = "+0\x14\x14\0+0.25\x14V\x14\0+0.5\x14(AFIB\x14\0";
    writeFileSync(
      file,
      buildEdf({
        reserved: "EDF+C",
        duration: 1,
        signals: [sig, ann],
        records: [[int16([10, -10, 0, 5]), tal(talText, 60)]],
      }),
    );
    const ecg = await readEdf(file);
    expect(ecg.fs).toBe(4);
    expect(Array.from(ecg.signals[0]!).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([
      0.001, -0.001, 0, 0.0005,
    ]);
    expect(ecg.annotations.map((a) => [a.sample, a.code, a.aux])).toEqual([
      [1, "V", "V"],
      [2, "+", "(AFIB"],
    ]);
  });
});

describe("EDF variants", () => {
  const sig = (label: string, spr: number): SynthSignal => ({
    label,
    dim: "mV",
    pmin: -32.768,
    pmax: 32.767,
    dmin: -32768,
    dmax: 32767,
    spr,
  });

  it("keeps the ECG leads' rate when signals differ and lists the others as skipped", async () => {
    const file = join(dir, "rates.edf");
    const rec = [int16([1, 2, 3, 4]), int16([100, 200]), int16([5, 6, 7, 8])];
    writeFileSync(
      file,
      buildEdf({
        duration: 1,
        signals: [sig("ECG I", 4), sig("Resp", 2), sig("ECG II", 4)],
        records: [rec, rec],
      }),
    );
    const ecg = await readEdf(file);
    expect(ecg.source.format).toBe("edf");
    expect(ecg.fs).toBe(4);
    expect(ecg.leads).toEqual(["ECG I", "ECG II"]);
    expect(Array.from(ecg.signals[1]!).map((v) => Math.round(v * 1000))).toEqual([5, 6, 7, 8, 5, 6, 7, 8]);
    expect(ecg.source.skippedSignals).toEqual([{ label: "Resp", fs: 2, unit: "mV" }]);
    const resp = await readEdf(file, { leads: ["resp"] });
    expect(resp.fs).toBe(2);
    await expect(readEdf(file, { leads: ["ECG I", "Resp"] })).rejects.toThrow(/different sampling rates/);
  });

  it("decodes 24-bit BDF samples, negative ones included", async () => {
    const file = join(dir, "x.bdf");
    const s: SynthSignal = {
      label: "ECG",
      dim: "nV",
      pmin: -8388608,
      pmax: 8388607,
      dmin: -8388608,
      dmax: 8388607,
      spr: 3,
    };
    const bytes = Buffer.alloc(9);
    [1000, -1000, -8388608].forEach((v, i) => bytes.writeIntLE(v, i * 3, 3));
    writeFileSync(
      file,
      buildEdf({ bdf: true, reserved: "24BIT", duration: 1, signals: [s], records: [[bytes]] }),
    );
    const ecg = await readEdf(file);
    expect(ecg.source.format).toBe("bdf");
    expect(Array.from(ecg.signals[0]!).map((v) => Math.round(v * 1e6))).toEqual([1000, -1000, -8388608]);
  });

  it("lays EDF+D records out at their onsets, with NaN gaps reported in seconds", async () => {
    const file = join(dir, "gaps.edf");
    const ann: SynthSignal = {
      label: "EDF Annotations",
      dim: "",
      pmin: -1,
      pmax: 1,
      dmin: -32768,
      dmax: 32767,
      spr: 10,
    };
    const rec = (onset: string, v: number) => [int16([v, v]), tal(`+${onset}\x14\x14\0`, 20)];
    writeFileSync(
      file,
      buildEdf({
        reserved: "EDF+D",
        duration: 1,
        signals: [sig("ECG", 2), ann],
        records: [rec("0", 1), rec("1", 2), rec("3", 3)],
      }),
    );
    const ecg = await readEdf(file);
    const v = Array.from(ecg.signals[0]!).map((x) => (Number.isNaN(x) ? "gap" : Math.round(x * 1000)));
    expect(v).toEqual([1, 1, 2, 2, "gap", "gap", 3, 3]);
    expect(ecg.source.gaps).toEqual([{ startSeconds: 2, durationSeconds: 1 }]);
  });

  it("converts voltage units to mV and leaves others alone", () => {
    expect(voltageToMvFactor("uV")).toBe(1e-3);
    expect(voltageToMvFactor("µV")).toBe(1e-3);
    expect(voltageToMvFactor("V")).toBe(1000);
    expect(voltageToMvFactor("mV")).toBe(1);
    expect(voltageToMvFactor("degC")).toBeUndefined();
  });
});

describe("bad EDF input gives InputError naming the file and the problem", () => {
  it("a record count that disagrees with the file size names both counts", async () => {
    const f = variant("count.edf", generator, (b) => setField(b, 236, 8, "12"));
    const err = await readEdf(f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      /^count\.edf: header says 12 data records but the file size \(48348 bytes\) implies 10/,
    );
  });

  it("a truncated file says so, with the counts", async () => {
    const f = variant("cut.edf", generator, (b) => b.subarray(0, b.length - 1000));
    await expect(readEdf(f)).rejects.toThrow(
      /cut\.edf: header says 10 data records but .* implies 9 and 3502 stray bytes.*truncated/,
    );
  });

  it("a count of -1 is inferred from the size, unless the size is not whole records", async () => {
    const f = variant("minus1.edf", generator, (b) => setField(b, 236, 8, "-1"));
    const ecg = await readEdf(f);
    expect((ecg.source.edf as EdfHeader).recordCount).toBe(10);
    expect(ecg.signals[0]!.length).toBe(2000);
    const g = variant("minus1cut.edf", generator, (b) => setField(b, 236, 8, "-1").subarray(0, b.length - 2));
    await expect(readEdf(g)).rejects.toThrow(
      /minus1cut\.edf: number of data records is -1 .* implies 9 records plus/,
    );
  });

  it("non-numeric header fields name the field and the signal", async () => {
    const f = variant("pmin.edf", generator, (b) => setField(b, 256 + 12 * (16 + 80 + 8) + 8, 8, "abc"));
    await expect(readEdf(f)).rejects.toThrow(
      /pmin\.edf: header field "physical minimum of signal 2 \("ramp"\)" is not a number: "abc"/,
    );
    const g = variant("dur.edf", generator, (b) => setField(b, 244, 8, "one"));
    await expect(readEdf(g)).rejects.toThrow(
      /dur\.edf: header field "duration of a data record" is not a number/,
    );
    const h = variant("ns.edf", generator, (b) => setField(b, 252, 4, "x"));
    await expect(readEdf(h)).rejects.toThrow(/ns\.edf: header field "number of signals" is not a number/);
  });

  it("a file that is not EDF, or shorter than its header, is refused", async () => {
    const f = join(dir, "notedf.edf");
    writeFileSync(f, "hello, this is not an EDF file\n".repeat(20));
    await expect(readEdf(f)).rejects.toThrow(InputError);
    const g = variant("short.edf", generator, (b) => b.subarray(0, 1000));
    await expect(readEdf(g)).rejects.toThrow(/short\.edf: file ends inside the header/);
  });
});

describeData("EDF+ against the same record stored as WFDB (test_generator_2)", () => {
  it("all 11 signals agree with the .dat scaled by the .hea gain (32.7675 adu/uV), 600 s at 200 Hz", async () => {
    const ecg = await readEdf(dataPath("formats", "wfdb", "test_generator_2.edf"));
    expect(ecg.signals[0]!.length).toBe(120000);
    expect(ecg.annotations.map((a) => [a.sample, a.aux])).toEqual([
      [0, "RECORD START"],
      [120000, "REC STOP"],
    ]);
    // The .dat holds the EDF data records: frames of 11 x 200 samples + 51 annotation words.
    const dat = readFileSync(dataPath("formats", "wfdb", "test_generator_2.dat"));
    const words = new Int16Array(dat.buffer, dat.byteOffset, dat.length / 2);
    const frame = 11 * 200 + 51;
    let worst = 0;
    for (let s = 0; s < 11; s++) {
      const sig = ecg.signals[s]!;
      // Channels 9 and 10 are in degrees (not a voltage): kept in their unit, not divided by 1000.
      const toUnit = ecg.units[s] === "mV" ? 1000 : 1;
      for (let i = 0; i < sig.length; i++) {
        const digital = words[Math.floor(i / 200) * frame + s * 200 + (i % 200)]!;
        // EDF's min/max mapping puts digital 0 at +0.0153 uV where WFDB's baseline is 0: 1.6e-5 mV apart.
        worst = Math.max(worst, Math.abs(sig[i]! - digital / 32.7675 / toUnit) / (toUnit === 1 ? 1000 : 1));
      }
    }
    expect(worst).toBeLessThan(2e-5);
  });
});
