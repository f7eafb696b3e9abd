/**
 * WFDB reader on the real files of the shared data folder: every conformance file that applies,
 * MIT-BIH, PTB-XL, LUDB, CPSC 2021, CinC 2017 and 2021. Expected values come from the files'
 * own header fields (initial values, checksums, which the reader verifies on every whole read),
 * from published annotation counts, and from records that store the same samples twice.
 */
import { expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { describeData, dataPath } from "../data.js";
import { readWfdbRecord, readWfdbChunks } from "../../src/ecg/wfdb/index.js";
import type { Ecg } from "../../src/ecg/record.js";

const W = (name: string) => dataPath("formats", "wfdb", name);

/** Index of the first difference (NaN equals NaN), -1 when equal: fast on long arrays. */
function firstDiff(a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined): number {
  if (!a || !b) return 0;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function countCodes(e: Ecg): Record<string, number> {
  const c: Record<string, number> = {};
  for (const a of e.annotations) c[a.code] = (c[a.code] ?? 0) + 1;
  return c;
}

describeData("WFDB conformance files", () => {
  it("binformats: all ten formats decode, checksums and initial values agree", async () => {
    const e = await readWfdbRecord(W("binformats")); // throws on any checksum mismatch
    const hea = readFileSync(W("binformats.hea"), "latin1").trim().split("\n").slice(1);
    expect(e.leads.length).toBe(10);
    hea.forEach((line, i) => {
      const init = Number(line.split(/\s+/)[5]);
      // gain 200, baseline 0: the first sample is the header's initial value.
      // Formats 24 and 32 exceed Float32 precision: equal within its relative resolution.
      expect(Math.abs(e.signals[i]![0]! * 200 - init)).toBeLessThanOrEqual(Math.abs(init) * 1e-7);
      expect(e.signals[i]!.length).toBe(499);
      expect(e.signals[i]!.every(Number.isFinite)).toBe(true);
    });
    // Formats 16, 61 and 160 hold the same waveform, offset by one or two units.
    for (let n = 0; n < 499; n++) {
      const a = e.signals[1]![n]! * 200;
      expect(Math.abs(e.signals[2]![n]! * 200 - a - 1)).toBeLessThan(0.01);
      expect(Math.abs(e.signals[4]![n]! * 200 - a - 3)).toBeLessThan(0.01);
    }
  });

  it("binformats 212 and 311 match a hand decoding of the first bytes", async () => {
    const e = await readWfdbRecord(W("binformats"));
    const b212 = readFileSync(W("binformats.d5"));
    const s1 = ((b212[2]! | ((b212[1]! & 0xf0) << 4)) << 20) >> 20;
    expect(Math.round(e.signals[5]![1]! * 200)).toBe(s1);
    const b311 = readFileSync(W("binformats.d7"));
    const w = b311.readUInt32LE(0);
    const third = (((w >>> 20) & 0x3ff) << 22) >> 22;
    expect(Math.round(e.signals[7]![2]! * 200)).toBe(third);
  });

  it("310 and 311 derived files hold the same samples, including short final groups", async () => {
    const ref = (await readWfdbRecord(W("310derive_2"))).signals[0]!;
    expect((await readWfdbRecord(W("311derive_2"))).signals[0]).toEqual(ref);
    expect((await readWfdbRecord(W("310derive_3"))).signals[0]).toEqual(ref.slice(0, 1018));
    expect((await readWfdbRecord(W("311derive_3"))).signals[0]).toEqual(ref.slice(0, 1019));
    expect((await readWfdbRecord(W("311derive_4"))).signals[0]).toEqual(ref.slice(0, 1018));
    const two = await readWfdbRecord(W("310derive"));
    expect((await readWfdbRecord(W("311derive"))).signals[0]).toEqual(two.signals[1]);
  });

  it("skew and samples per frame (test01_00s variants)", async () => {
    const o = await readWfdbRecord(W("test01_00s"));
    const skew = await readWfdbRecord(W("test01_00s_skew"));
    expect(firstDiff(skew.signals[1]!.slice(0, 3997), o.signals[1]!.slice(3))).toBe(-1);
    expect(Array.from(skew.signals[1]!.slice(3997))).toEqual([NaN, NaN, NaN]);
    expect(firstDiff(skew.signals[0], o.signals[0])).toBe(-1);
    // ECG_2 has 2 samples per frame: the record comes back at 1000 Hz, other leads held.
    const fr = await readWfdbRecord(W("test01_00s_frame"));
    expect(fr.fs).toBe(1000);
    expect(fr.signals[0]!.length).toBe(8000);
    for (const n of [0, 1, 1234, 3999]) {
      expect(fr.signals[1]![2 * n]).toBe(o.signals[1]![n]);
      expect(fr.signals[1]![2 * n + 1]).toBe(o.signals[2]![n]);
      expect(fr.signals[0]![2 * n]).toBe(o.signals[0]![n]);
      expect(fr.signals[0]![2 * n + 1]).toBe(o.signals[0]![n]);
      expect(fr.signals[2]![2 * n + 1]).toBe(o.signals[3]![n]);
    }
    const sf = await readWfdbRecord(W("test01_00s_skewframe"));
    expect(sf.signals[0]![0]).toBe(o.signals[0]![3]);
    expect(firstDiff(sf.signals[1], fr.signals[1])).toBe(-1);
    // A partial read of a framed record equals the slice.
    const part = await readWfdbRecord(W("test01_00s_frame"), { from: 1001, to: 2002 });
    expect(firstDiff(part.signals[1], fr.signals[1]!.slice(1001, 2002))).toBe(-1);
  });

  it("signals spread over two files (s0010_re: 12 leads in .dat, Frank leads in .xyz)", async () => {
    const e = await readWfdbRecord(W("s0010_re"));
    expect(e.leads.slice(-3)).toEqual(["vx", "vy", "vz"]);
    expect(e.fs).toBe(1000);
    expect(e.signals[12]![0]).toBe(Math.fround(-3 / 2000)); // initial value -3, gain 2000, no units -> mV
    expect(e.source.comments).toContain("Reason for admission: Myocardial infarction");
    const vz = await readWfdbRecord(W("s0010_re"), { leads: ["vz", "i"], from: 100, to: 200 });
    expect(firstDiff(vz.signals[0], e.signals[14]!.slice(100, 200))).toBe(-1);
  });

  it("gain 0 means 200 (nstdb em), format 80 (3000003_0003), uV rescaled to mV (test_generator_2)", async () => {
    const em = await readWfdbRecord(W("nstdb/em"));
    expect(em.signals[0]!.length).toBe(650000);
    expect(em.signals[0]![0]).toBe(Math.fround(5 / 200));
    const m = await readWfdbRecord(W("3000003_0003"));
    expect(m.signals[0]![0]).toBe(Math.fround(-5 / 29));
    expect(m.startTime).toBe("19:46:25.757");
    const g = await readWfdbRecord(W("test_generator_2"), { leads: ["squarewave"] });
    expect(g.units).toEqual(["mV"]);
    expect(g.signals[0]![0]).toBe(Math.fround(3276 / 32.7675 / 1000));
    expect(g.fs).toBe(200); // 16x200 at 1 frame per second
    expect(g.startTime).toBe("2009-12-10T12:44:02");
  });

  it("MATLAB v4 records with a WFDB header (a103l, with and without a length)", async () => {
    const a = await readWfdbRecord(W("a103l"));
    const b = await readWfdbRecord(W("a103l-no-len"));
    expect(a.signals[0]!.length).toBe(82500);
    for (let j = 0; j < 3; j++) expect(firstDiff(b.signals[j], a.signals[j])).toBe(-1);
    expect(a.units).toEqual(["mV", "mV", "NU"]);
    expect(a.signals[0]![0]).toBe(Math.fround(-171 / 7247));
  });

  it("multi-segment fixed layout: v102s three times, and 041s with 4 samples per frame", async () => {
    const one = await readWfdbRecord(W("v102s"));
    const three = await readWfdbRecord(W("multi-segment/fixed1/v102s"));
    expect(three.signals[0]!.length).toBe(225000);
    expect(firstDiff(three.signals[3]!.slice(150000), one.signals[3])).toBe(-1);
    const whole = await readWfdbRecord(W("multi-segment/041s/041s"));
    const s1 = await readWfdbRecord(W("multi-segment/041s/041s01"));
    const s2 = await readWfdbRecord(W("multi-segment/041s/041s02"));
    expect(whole.fs).toBe(500);
    expect(firstDiff(whole.signals[1], Float32Array.from([...s1.signals[1]!, ...s2.signals[1]!]))).toBe(-1);
    expect(whole.startTime).toBe("1994-10-26T08:26:04");
  });

  it("multi-segment variable layout with null segments (s25047)", async () => {
    const rec = "multi-segment/s25047/s25047-2704-05-04-10-44";
    const e = await readWfdbRecord(W(rec));
    expect(e.leads).toEqual(["II", "V", "ABP"]);
    expect(e.units).toEqual(["mV", "mV", "mmHg"]);
    expect(e.signals[0]!.length).toBe(543240);
    expect(e.signals[0]!.slice(0, 25740).every(Number.isNaN)).toBe(true); // the null segment
    const seg1 = await readWfdbRecord(W("multi-segment/s25047/3234460_0001"));
    expect(firstDiff(e.signals[1]!.slice(25740, 25740 + 28637), seg1.signals[1])).toBe(-1);
    expect(e.signals[2]![25740]).toBeNaN(); // no ABP in segment 1
    const last = await readWfdbRecord(W("multi-segment/s25047/3234460_0018"));
    expect(firstDiff(e.signals[2]!.slice(543240 - 93975), last.signals[2])).toBe(-1);
    // A partial read across a segment boundary.
    const part = await readWfdbRecord(W(rec), { from: 25000, to: 30000 });
    expect(firstDiff(part.signals[0], e.signals[0]!.slice(25000, 30000))).toBe(-1);
  });

  it("multi-segment records with missing segments: partial reads work, whole reads name the file", async () => {
    const rec = W("multi-segment/p000878/p000878-2137-10-26-16-57");
    const e = await readWfdbRecord(rec, { from: 0, to: 7500 });
    expect(e.leads).toEqual(["PLETH", "II", "V", "ABP"]);
    const seg = await readWfdbRecord(W("multi-segment/p000878/3269321_0002"));
    expect(firstDiff(e.signals[1]!.slice(5750), seg.signals[0])).toBe(-1);
    expect(e.signals[1]!.slice(3750, 5750).every(Number.isNaN)).toBe(true);
    await expect(readWfdbRecord(rec)).rejects.toThrow(/3269321_0003\.hea: segment header not found/);
  });

  it("FLAC formats give a clear error", async () => {
    await expect(readWfdbRecord(W("mixedsignals"))).rejects.toThrow(
      "mixedsignals_e.dat: FLAC signal format 516 is not supported",
    );
    await expect(readWfdbRecord(W("flacformats"))).rejects.toThrow(/FLAC signal format 508 is not supported/);
  });

  it("reads every annotator of a record (03700181: gqrsh, gqrsl, sqrs)", async () => {
    const e = await readWfdbRecord(W("03700181"));
    expect(new Set(e.annotations.map((a) => a.source))).toEqual(new Set(["gqrsh", "gqrsl", "sqrs"]));
    const only = await readWfdbRecord(W("03700181"), { annotators: ["sqrs"], to: 5000 });
    expect(only.annotations.every((a) => a.source === "sqrs" && a.sample < 5000)).toBe(true);
    expect(e.fs).toBe(500); // MCL1 at 4 samples per frame of 125 Hz
  });
});

describeData("WFDB databases", () => {
  it("MIT-BIH 101 and 119: lengths, leads and published beat counts", async () => {
    const r101 = await readWfdbRecord(dataPath("mitdb", "101"));
    expect(r101.signals[0]!.length).toBe(650000);
    expect(r101.leads).toEqual(["MLII", "V1"]);
    // MIT-BIH directory (Moody & Mark): 101 has 1860 N, 3 A, 2 Q; 119 has 1543 N, 444 V.
    expect(countCodes(r101)).toMatchObject({ N: 1860, A: 3, Q: 2 });
    const r119 = await readWfdbRecord(dataPath("mitdb", "119"));
    expect(countCodes(r119)).toMatchObject({ N: 1543, V: 444 });
    expect(r119.annotations.filter((a) => a.aux === "(B").length).toBeGreaterThan(0);
  });

  it("MIT-BIH 119 in 10-minute chunks equals the whole read", async () => {
    const whole = await readWfdbRecord(dataPath("mitdb", "119"));
    let at = 0;
    let anns = 0;
    for await (const c of readWfdbChunks(dataPath("mitdb", "119"), 216000)) {
      expect(firstDiff(c.signals[0], whole.signals[0]!.subarray(at, at + c.signals[0]!.length))).toBe(-1);
      at += c.signals[0]!.length;
      anns += c.annotations.length;
    }
    expect(at).toBe(650000);
    expect(anns).toBe(whole.annotations.length);
  });

  it("PTB-XL record 1", async () => {
    const e = await readWfdbRecord(dataPath("ptbxl", "records100", "00000", "00001_lr"));
    expect(e.leads.length).toBe(12);
    expect(e.signals[0]!.length).toBe(1000);
  });

  it("LUDB record 1 with its twelve lead annotation files", async () => {
    const e = await readWfdbRecord(dataPath("ludb", "data", "1"));
    expect(e.fs).toBe(500);
    expect(e.leads).toEqual(["i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6"]);
    const sources = new Set(e.annotations.map((a) => a.source));
    expect(sources).toEqual(
      new Set(["i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6"]),
    );
    const lead2 = e.annotations.filter((a) => a.source === "ii");
    // Waves are marked "(" onset, peak (p, N, t), ")" offset.
    expect(new Set(lead2.map((a) => a.code))).toEqual(new Set(["(", ")", "p", "N", "t"]));
    expect(e.source.comments).toContain("Rhythm: Sinus bradycardia.");
  });

  it("CPSC 2021 record with (AFIB episodes", async () => {
    const e = await readWfdbRecord(dataPath("cpsc2021", "data_101_6"));
    expect(e.fs).toBe(200);
    expect(e.signals[0]!.length).toBe(22355);
    expect(e.annotations.some((a) => a.aux === "(AFIB")).toBe(true);
  });

  it("CinC 2017 and 2021 MATLAB records", async () => {
    const a = await readWfdbRecord(dataPath("cinc2017", "A00001.mat"));
    expect(a.fs).toBe(300);
    expect(a.signals[0]!.length).toBe(9000);
    expect(a.signals[0]![0]).toBe(Math.fround(-0.127));
    expect(a.startTime).toBe("2000-05-01T05:05:15");
    const b = await readWfdbRecord(dataPath("cinc2021", "E07500"));
    expect(b.leads.length).toBe(12);
    expect(b.signals[11]![0]).toBe(Math.fround(-0.156));
    expect(b.source.comments).toContain("Dx: 67741000119109,426177001");
  });
});
