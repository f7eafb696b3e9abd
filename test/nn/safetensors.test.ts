import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import {
  bf16BitsToF32,
  encodeSafetensors,
  f16BitsToF32,
  f32ToBf16Bits,
  f32ToF16Bits,
  openSafetensors,
  parseStrictJson,
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
} from "../../src/nn/safetensors.js";

/** Builds a safetensors file by hand: 8-byte length, the header text as given, then the data. */
function build(header: string | object, data: number[] | Uint8Array = []): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const le16 = (...hs: number[]): number[] => hs.flatMap((h) => [h & 0xff, h >>> 8]);
const bytesOf = (a: ArrayBufferView): number[] => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];

describe("float16 conversion (round to nearest even)", () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff], // largest finite
    [65519, 0x7bff], // just below the halfway point to 65536
    [65520, 0x7c00], // halfway: ties to even = 0x7c00 = inf
    [1e6, 0x7c00], // overflow
    [-Infinity, 0xfc00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // halfway between 0 and 2^-24: ties to even = 0
    [1.5 * 2 ** -25, 0x0001],
    [3 * 2 ** -25, 0x0002], // 1.5 * 2^-24: tie between 1 and 2, even = 2
    [5 * 2 ** -25, 0x0002], // 2.5 * 2^-24: tie between 2 and 3, even = 2
    [2 ** -14 - 2 ** -25, 0x0400], // rounds up from the largest subnormal into the smallest normal
    [1 + 2 ** -11, 0x3c00], // tie between 1 and 1+2^-10: even mantissa 0
    [1 + 3 * 2 ** -11, 0x3c02], // tie between mantissa 1 and 2: even = 2
    [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie
    [-0, 0x8000],
    [1e-10, 0x0000],
  ])("%s -> 0x%s", (x, bits) => {
    expect(f32ToF16Bits(x)).toBe(bits);
  });

  it("keeps NaN a NaN (never inf)", () => {
    const h = f32ToF16Bits(NaN);
    expect(h & 0x7c00).toBe(0x7c00);
    expect(h & 0x3ff).not.toBe(0);
    expect(f16BitsToF32(h)).toBeNaN();
    // A float32 NaN whose payload lives only in the low bits must not collapse to inf.
    const f = new Float32Array(new Uint32Array([0x7f800001]).buffer)[0]!;
    expect(f16BitsToF32(f32ToF16Bits(f))).toBeNaN();
  });

  it("decodes every finite binary16 value and round-trips it exactly", () => {
    expect(f16BitsToF32(0x0001)).toBe(2 ** -24);
    expect(f16BitsToF32(0x7bff)).toBe(65504);
    expect(f16BitsToF32(0x7c00)).toBe(Infinity);
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue; // NaNs
      if (f32ToF16Bits(f16BitsToF32(h)) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });
});

describe("bfloat16 conversion (round to nearest even)", () => {
  it.each([
    [1, 0x3f80],
    [-1, 0xbf80],
    [1 + 2 ** -8, 0x3f80], // tie: even mantissa
    [1 + 3 * 2 ** -8, 0x3f82], // tie between 1 and 2: even = 2
    [1 + 2 ** -8 + 2 ** -20, 0x3f81],
    [3.4028234663852886e38, 0x7f80], // float32 max rounds to inf
    [Infinity, 0x7f80],
    [2 ** -133, 0x0001], // a float32 subnormal representable in bfloat16
  ])("%s -> 0x%s", (x, bits) => {
    expect(f32ToBf16Bits(x)).toBe(bits);
  });

  it("keeps NaN a NaN and decodes exactly", () => {
    expect(bf16BitsToF32(f32ToBf16Bits(NaN))).toBeNaN();
    const f = new Float32Array(new Uint32Array([0x7f800001]).buffer)[0]!;
    expect(bf16BitsToF32(f32ToBf16Bits(f))).toBeNaN();
    expect(bf16BitsToF32(0x3f80)).toBe(1);
    expect(bf16BitsToF32(0xc040)).toBe(-3);
  });
});

describe("reading hand-built files", () => {
  it("reads every supported dtype into float32 with the original bytes", () => {
    const parts: [string, string, number[], number[]][] = [
      ["f32", "F32", [2], bytesOf(new Float32Array([1.5, -2]))],
      ["f16", "F16", [3], le16(0x3c00, 0x7bff, 0x0001)],
      ["bf16", "BF16", [2], le16(0x3f80, 0xc040)],
      ["f64", "F64", [1], bytesOf(new Float64Array([0.25]))],
      ["i64", "I64", [2], bytesOf(new BigInt64Array([-5n, 7n]))],
      ["u64", "U64", [1], bytesOf(new BigUint64Array([9n]))],
      ["i32", "I32", [2], bytesOf(new Int32Array([-3, 100000]))],
      ["u32", "U32", [1], bytesOf(new Uint32Array([4000000000]))],
      ["i16", "I16", [1], bytesOf(new Int16Array([-300]))],
      ["u16", "U16", [1], bytesOf(new Uint16Array([60000]))],
      ["i8", "I8", [2], [0xff, 0x05]],
      ["u8", "U8", [2], [0xff, 0x05]],
      ["bool", "BOOL", [3], [0, 1, 1]],
    ];
    const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
    const data: number[] = [];
    for (const [name, dtype, shape, bytes] of parts) {
      header[name] = { dtype, shape, data_offsets: [data.length, data.length + bytes.length] };
      data.push(...bytes);
    }
    const f = readSafetensors(build(header, data));
    expect(f.metadata).toEqual({ format: "pt" });
    const v = (n: string): number[] => [...f.tensors.get(n)!.data];
    expect(v("f32")).toEqual([1.5, -2]);
    expect(v("f16")).toEqual([1, 65504, 2 ** -24]);
    expect(v("bf16")).toEqual([1, -3]);
    expect(v("f64")).toEqual([0.25]);
    expect(v("i64")).toEqual([-5, 7]);
    expect(v("u64")).toEqual([9]);
    expect(v("i32")).toEqual([-3, 100000]);
    expect(v("u32")).toEqual([4000000000]);
    expect(v("i16")).toEqual([-300]);
    expect(v("u16")).toEqual([60000]);
    expect(v("i8")).toEqual([-1, 5]);
    expect(v("u8")).toEqual([255, 5]);
    expect(v("bool")).toEqual([0, 1, 1]);
    expect([...f.tensors.get("f16")!.raw]).toEqual(le16(0x3c00, 0x7bff, 0x0001));
    expect(f.tensors.get("f16")!.shape).toEqual([3]);
  });

  it("reads an unaligned data section and zero-sized and scalar tensors", () => {
    // Header of odd length: the F32 data starts at an odd file offset.
    const header = {
      a: { dtype: "F32", shape: [], data_offsets: [0, 4] },
      empty: { dtype: "F32", shape: [0, 3], data_offsets: [4, 4] },
    };
    let text = JSON.stringify(header);
    if (text.length % 2 === 0) text += " ";
    const f = readSafetensors(build(text, bytesOf(new Float32Array([3.25]))));
    expect([...f.tensors.get("a")!.data]).toEqual([3.25]);
    expect(f.tensors.get("a")!.shape).toEqual([]);
    expect(f.tensors.get("empty")!.data.length).toBe(0);
    expect(f.metadata).toEqual({});
  });
});

describe("writing and round trips", () => {
  const dir = mkdtempSync(join(tmpdir(), "anyecg-st-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the layout of the specification: padded header, sorted contiguous data", () => {
    const bytes = encodeSafetensors(
      {
        "b.half": { shape: [2], data: new Float32Array([1, -2]), dtype: "F16" },
        "a.weight": { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
        "c.bf": { shape: [1], data: new Float32Array([1]), dtype: "BF16" },
      },
      { format: "pt", note: "ünïcode" },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(headerText.endsWith(" ") || headerText.endsWith("}")).toBe(true);
    const header = JSON.parse(headerText) as Record<string, { data_offsets: number[] }>;
    expect(header["a.weight"]!.data_offsets).toEqual([0, 16]);
    expect(header["b.half"]!.data_offsets).toEqual([16, 20]);
    expect(header["c.bf"]!.data_offsets).toEqual([20, 22]);
    expect(bytes.length).toBe(8 + n + 22);
    expect([...bytes.subarray(8 + n + 16, 8 + n + 22)]).toEqual([...le16(0x3c00, 0xc000), ...le16(0x3f80)]);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ format: "pt", note: "ünïcode" });
    expect([...back.tensors.keys()]).toEqual(["a.weight", "b.half", "c.bf"]);
  });

  it("round-trips F32 exactly and F16/BF16 to the rounded values, through a file", () => {
    const data = new Float32Array(1000);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * 10 ** ((i % 9) - 4);
    const path = join(dir, "rt.safetensors");
    writeSafetensors(path, {
      f32: { shape: [10, 100], data },
      f16: { shape: [1000], data, dtype: "F16" },
      bf16: { shape: [1000], data, dtype: "BF16" },
    });
    const back = readSafetensors(path);
    expect(back.tensors.get("f32")!.data).toEqual(data);
    expect(back.tensors.get("f32")!.shape).toEqual([10, 100]);
    const f16 = back.tensors.get("f16")!.data;
    const bf16 = back.tensors.get("bf16")!.data;
    for (let i = 0; i < data.length; i++) {
      expect(f16[i]).toBe(f16BitsToF32(f32ToF16Bits(data[i]!)));
      expect(bf16[i]).toBe(bf16BitsToF32(f32ToBf16Bits(data[i]!)));
    }
    expect(back.tensors.get("f16")!.dtype).toBe("F16");
  });

  it("reads tensors lazily through the file handle", () => {
    const path = join(dir, "lazy.safetensors");
    writeSafetensors(path, {
      x: { shape: [3], data: new Float32Array([1, 2, 3]) },
      y: { shape: [1], data: new Float32Array([9]) },
    });
    const r = openSafetensors(path);
    expect(r.names).toEqual(["x", "y"]);
    expect(r.entry("y")).toMatchObject({ dtype: "F32", shape: [1], begin: 12, end: 16 });
    expect([...r.read("y").data]).toEqual([9]);
    expect(() => r.read("z")).toThrow(/no tensor named "z"/);
    r.close();
    expect(readSafetensorsHeader(path).entries.map((e) => e.name)).toEqual(["x", "y"]);
  });

  it("reads from a Node Buffer at an odd offset of a shared pool", () => {
    const bytes = encodeSafetensors({
      h: { shape: [2], data: new Float32Array([1, 65504]), dtype: "F16" },
      w: { shape: [2], data: new Float32Array([0.5, -8]) },
    });
    const pool = Buffer.alloc(bytes.length + 3);
    pool.set(bytes, 1);
    const view = pool.subarray(1, 1 + bytes.length);
    const f = readSafetensors(view);
    expect([...f.tensors.get("w")!.data]).toEqual([0.5, -8]);
    expect([...f.tensors.get("h")!.data]).toEqual([1, 65504]);
    f.tensors.get("w")!.data[0] = 99; // the result owns its memory
    expect(readSafetensors(view).tensors.get("w")!.data[0]).toBe(0.5);
  });

  it("reports a missing file as bad input naming it", () => {
    expect(() => readSafetensors(join(dir, "nope.safetensors"))).toThrow(
      /nope\.safetensors: cannot be opened \(ENOENT\)/,
    );
  });

  it("rejects inconsistent input when writing", () => {
    expect(() => encodeSafetensors({ a: { shape: [2], data: new Float32Array(3) } })).toThrow(
      /shape \[2\] has 2 elements, data has 3/,
    );
    expect(() => encodeSafetensors({ a: { shape: [-1], data: new Float32Array(1) } })).toThrow(/bad shape/);
  });

  it("names the file in errors read from disk", () => {
    const path = join(dir, "bad.safetensors");
    writeFileSync(path, build({ w: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]));
    expect(() => readSafetensors(path)).toThrow(`${path}: tensor "w": F32 shape [2] needs 8 bytes`);
    // The failed open must not leak the file handle or modify the file.
    expect(readFileSync(path).length).toBeGreaterThan(8);
  });
});

describe("validation of hostile files", () => {
  const f32 = (n: number): number[] => new Array<number>(4 * n).fill(0);
  const bad = (bytes: Uint8Array, message: RegExp | string): void => {
    let err: unknown;
    try {
      readSafetensors(bytes, "m.safetensors");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(typeof message === "string" ? message : message);
    expect((err as Error).message.startsWith("m.safetensors: ")).toBe(true);
  };
  const one = (entry: unknown, data: number[] = f32(1)): Uint8Array => build({ w: entry }, data);

  it("rejects files too short for the header length", () => {
    bad(new Uint8Array(5), /5 bytes, too short/);
  });
  it("rejects a header length past the end of the file or above the limit", () => {
    const b = build({}, []);
    new DataView(b.buffer).setBigUint64(0, 1000n, true);
    bad(b, /header length 1000 runs past the end of the file/);
    new DataView(b.buffer).setBigUint64(0, 2n ** 60n, true);
    bad(b, /exceeds the 100000000-byte limit/);
  });
  it("rejects malformed JSON, non-objects and bad UTF-8", () => {
    bad(build('{"w": {"dtype": "F32",'), /not valid JSON/);
    bad(build("[1, 2]"), /does not start with "\{"/);
    bad(build('{"a": 1} x'), /not valid JSON: trailing/);
    const b = build('{"\u00ff": 1}');
    b[10] = 0xc3; // truncated two-byte sequence
    b[11] = 0x22;
    bad(b, /not valid UTF-8/);
  });
  it("rejects duplicate keys", () => {
    const e = '{"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}';
    bad(build(`{"w": ${e}, "w": ${e}}`, f32(1)), /duplicate key "w"/);
    bad(
      build('{"w": {"dtype": "F32", "dtype": "F16", "shape": [1], "data_offsets": [0, 4]}}', f32(1)),
      /duplicate key "dtype"/,
    );
  });
  it("rejects bad dtype, shape and offsets, naming the tensor", () => {
    bad(
      one({ dtype: "F8_E4M3", shape: [4], data_offsets: [0, 4] }),
      /tensor "w": unsupported dtype "F8_E4M3"/,
    );
    bad(one({ shape: [1], data_offsets: [0, 4] }), /tensor "w": missing dtype/);
    bad(
      one({ dtype: "F32", shape: [-1], data_offsets: [0, 4] }),
      /tensor "w": shape\[0\] must be a non-negative integer/,
    );
    bad(
      one({ dtype: "F32", shape: [1.5], data_offsets: [0, 4] }),
      /shape\[0\] must be a non-negative integer/,
    );
    bad(one({ dtype: "F32", shape: 4, data_offsets: [0, 4] }), /shape is not an array/);
    bad(one({ dtype: "F32", shape: [1], data_offsets: [0] }), /data_offsets must be \[begin, end\]/);
    bad(one({ dtype: "F32", shape: [1], data_offsets: [4, 0] }), /end before begin/);
    bad(
      one({ dtype: "F32", shape: [2], data_offsets: [0, 4] }),
      /tensor "w": F32 shape \[2\] needs 8 bytes but data_offsets \[0, 4\] hold 4/,
    );
    bad(one({ dtype: "F32", shape: [2 ** 30, 2 ** 30], data_offsets: [0, 4] }), /too large/);
    bad(build({ w: 5 }), /tensor "w": entry is not an object/);
  });
  it("rejects offsets out of range, overlapping, holes and uncovered bytes", () => {
    bad(
      one({ dtype: "F32", shape: [2], data_offsets: [0, 8] }, f32(1)),
      /tensor "w": data_offsets end 8 past the 4-byte data section/,
    );
    bad(
      build(
        {
          a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
        },
        f32(2),
      ),
      /tensor "b": data_offsets \[4, 8\] overlap/,
    );
    bad(
      build({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, f32(2)),
      /tensor "a": hole of 4 bytes/,
    );
    bad(
      one({ dtype: "F32", shape: [1], data_offsets: [0, 4] }, f32(2)),
      /4 bytes after the last tensor are not covered/,
    );
  });
  it("rejects bad metadata", () => {
    bad(build({ __metadata__: { a: 1 } }), /__metadata__ "a" is not a string/);
    bad(build({ __metadata__: [] }), /__metadata__ is not an object/);
  });
});

describe("strict JSON parser", () => {
  it("agrees with JSON.parse on valid input", () => {
    const text = '{"a": [1, -2.5e3, true, false, null, "x\\"\\u00e9\\n"], "b": {}, "c": []}';
    expect(parseStrictJson(text)).toEqual(JSON.parse(text));
  });
  it("does not let __proto__ keys change the prototype", () => {
    const v = parseStrictJson('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(["__proto__"]);
  });
  it.each(["{", '{"a" 1}', "[1,]", "01", '"\u0001"', "{} {}", "nul"])("rejects %j", (t) => {
    expect(() => parseStrictJson(t)).toThrow(SyntaxError);
  });
});
