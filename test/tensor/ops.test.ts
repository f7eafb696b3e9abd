// Every op's forward pass against a float64 reference and its backward pass against central
// finite differences, on random shapes with odd sizes (SIMD tails).
import { describe, it, expect } from "vitest";
import * as T from "../../src/tensor/index.js";
import { gradCheck, randomData } from "./gradcheck.js";

const rng = new T.Rng(42);
const inp = (shape: number[], s = 1) => ({
  data: randomData(
    shape.reduce((a, b) => a * b, 1),
    rng,
    s,
  ),
  shape,
});

/** f64 reference: C = op(A) op(B) for one matrix. */
function refMatmul(a: Float64Array, b: Float64Array, M: number, N: number, K: number, tA: boolean, tB: boolean, batch = 1, sharedB = false): Float64Array {
  const c = new Float64Array(batch * M * N);
  for (let z = 0; z < batch; z++)
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const av = a[z * M * K + (tA ? k * M + i : i * K + k)]!;
          const bo = sharedB ? 0 : z * K * N;
          const bv = b[bo + (tB ? j * K + k : k * N + j)]!;
          s += av * bv;
        }
        c[z * M * N + i * N + j] = s;
      }
  return c;
} // prettier-ignore

const map = (x: Float64Array, f: (v: number) => number) => x.map(f);

describe("matmul", () => {
  for (const [tA, tB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const) {
    it(`transA=${tA} transB=${tB}, odd sizes`, () => {
      const [M, N, K] = [7, 13, 9];
      gradCheck([inp(tA ? [K, M] : [M, K]), inp(tB ? [N, K] : [K, N])], ([a, b]) => T.matmul(a!, b!, { transA: tA, transB: tB }),
        ([a, b]) => refMatmul(a!, b!, M, N, K, tA, tB)); // prettier-ignore
    });
  }
  it("batched with a shared 2-d right operand", () => {
    const [B, M, N, K] = [3, 5, 6, 11];
    gradCheck(
      [inp([B, M, K]), inp([K, N])],
      ([a, b]) => T.matmul(a!, b!),
      ([a, b]) => refMatmul(a!, b!, M, N, K, false, false, B, true),
    );
  });
  it("batched, transposed right operand", () => {
    const [B, M, N, K] = [2, 6, 5, 3];
    gradCheck(
      [inp([B, M, K]), inp([B, N, K])],
      ([a, b]) => T.matmul(a!, b!, { transB: true }),
      ([a, b]) => refMatmul(a!, b!, M, N, K, false, true, B),
    );
  });
  it("large product matches the reference (blocking, all panels)", () => {
    const [M, N, K] = [133, 1030, 300];
    const a = inp([M, K]);
    const b = inp([N, K]);
    T.scope(() => {
      const c = T.matmul(
        T.tensor(Float32Array.from(a.data), a.shape),
        T.tensor(Float32Array.from(b.data), b.shape),
        { transB: true },
      );
      const r = refMatmul(
        Float64Array.from(Float32Array.from(a.data)),
        Float64Array.from(Float32Array.from(b.data)),
        M,
        N,
        K,
        false,
        true,
      );
      let err = 0;
      c.data.forEach((v, i) => (err = Math.max(err, Math.abs(v - r[i]!))));
      expect(err).toBeLessThan(1e-3);
    });
  });
  it("rejects mismatched shapes", () => {
    T.scope(() => expect(() => T.matmul(T.zeros([2, 3]), T.zeros([4, 2]))).toThrow(/inner sizes/));
  });
});

describe("linear", () => {
  it("x w^T + b over a batch", () => {
    const [B, Tn, I, O] = [2, 3, 7, 5];
    gradCheck(
      [inp([B, Tn, I]), inp([O, I]), inp([O])],
      ([x, w, b]) => T.linear(x!, w!, b!),
      ([x, w, b]) => {
        const y = refMatmul(x!, w!, B * Tn, O, I, false, true);
        return y.map((v, i) => v + b![i % O]!);
      },
    );
  });
});

describe("elementwise", () => {
  it("add / sub / mul with same shapes and broadcasting", () => {
    const s = [3, 5, 7];
    gradCheck(
      [inp(s), inp(s)],
      ([a, b]) => T.add(a!, b!),
      ([a, b]) => a!.map((v, i) => v + b![i]!),
    );
    gradCheck(
      [inp(s), inp([7])],
      ([a, b]) => T.sub(a!, b!),
      ([a, b]) => a!.map((v, i) => v - b![i % 7]!),
    );
    gradCheck(
      [inp(s), inp([5, 7])],
      ([a, b]) => T.mul(a!, b!),
      ([a, b]) => a!.map((v, i) => v * b![i % 35]!),
    );
    gradCheck(
      [inp([7]), inp(s)],
      ([a, b]) => T.mul(a!, b!),
      ([a, b]) => b!.map((v, i) => v * a![i % 7]!),
    );
    gradCheck(
      [inp(s), inp([1])],
      ([a, b]) => T.add(a!, b!),
      ([a, b]) => a!.map((v) => v + b![0]!),
    );
  });
  it("scale, relu, gelu, silu, exp, square", () => {
    const s = [5, 9];
    gradCheck(
      [inp(s)],
      ([a]) => T.scale(a!, -1.5),
      ([a]) => map(a!, (v) => -1.5 * v),
    );
    gradCheck(
      [inp(s)],
      ([a]) => T.relu(a!),
      ([a]) => map(a!, (v) => Math.max(v, 0)),
    );
    const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    gradCheck(
      [inp(s, 2)],
      ([a]) => T.gelu(a!),
      ([a]) => map(a!, gelu),
    );
    gradCheck(
      [inp(s, 2)],
      ([a]) => T.silu(a!),
      ([a]) => map(a!, (v) => v / (1 + Math.exp(-v))),
    );
    gradCheck(
      [inp(s)],
      ([a]) => T.exp(a!),
      ([a]) => map(a!, Math.exp),
    );
    gradCheck(
      [inp(s)],
      ([a]) => T.square(a!),
      ([a]) => map(a!, (v) => v * v),
    );
  });
  it("swiglu", () => {
    const s = [3, 11];
    gradCheck(
      [inp(s), inp(s)],
      ([g, u]) => T.swiglu(g!, u!),
      ([g, u]) => g!.map((v, i) => (v / (1 + Math.exp(-v))) * u![i]!),
    );
  });
  it("exp stays finite and accurate over a wide range", () => {
    T.scope(() => {
      const xs = [-100, -20, -1.5, 0, 0.3, 10, 80];
      const y = T.exp(T.tensor(xs)).data;
      xs.forEach((x, i) =>
        expect(Math.abs(y[i]! - Math.exp(x)) / Math.max(Math.exp(x), 1e-30)).toBeLessThan(1e-5),
      );
    });
  });
});

function refNorm(
  x: Float64Array,
  n: number,
  rms: boolean,
  w?: Float64Array,
  b?: Float64Array,
  eps = 1e-5,
): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / n; r++) {
    let m = 0;
    if (!rms) for (let i = 0; i < n; i++) m += x[r * n + i]! / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[r * n + i]! - m) ** 2 / n;
    const rs = 1 / Math.sqrt(v + eps);
    for (let i = 0; i < n; i++) y[r * n + i] = (x[r * n + i]! - m) * rs * (w ? w[i]! : 1) + (b ? b[i]! : 0);
  }
  return y;
}

function refSoftmax(x: Float64Array, n: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / n; r++) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, x[r * n + i]!);
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.exp(x[r * n + i]! - m);
    for (let i = 0; i < n; i++) y[r * n + i] = Math.exp(x[r * n + i]! - m) / s;
  }
  return y;
}

describe("normalisation and softmax", () => {
  it("layerNorm with weight and bias", () => {
    gradCheck(
      [inp([4, 13]), inp([13]), inp([13])],
      ([x, w, b]) => T.layerNorm(x!, w!, b!),
      ([x, w, b]) => refNorm(x!, 13, false, w, b),
    );
  });
  it("rmsNorm with weight", () => {
    gradCheck(
      [inp([3, 2, 9]), inp([9])],
      ([x, w]) => T.rmsNorm(x!, w!, 1e-6),
      ([x, w]) => refNorm(x!, 9, true, w, undefined, 1e-6),
    );
  });
  it("softmax over the last axis", () => {
    gradCheck(
      [inp([5, 7], 2)],
      ([x]) => T.softmax(x!),
      ([x]) => refSoftmax(x!, 7),
    );
  });
});

interface AttnCase {
  B: number; Tq: number; Tk: number; H: number; KVH: number; hd: number; causal: boolean; lens?: number[];
} // prettier-ignore

function refAttention(q: Float64Array, k: Float64Array, v: Float64Array, c: AttnCase): Float64Array {
  const { B, Tq, Tk, H, KVH, hd } = c;
  const out = new Float64Array(B * Tq * H * hd);
  const scale = 1 / Math.sqrt(hd);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / (H / KVH));
      for (let i = 0; i < Tq; i++) {
        const vis = (j: number) => (!c.causal || j <= i + Tk - Tq) && (!c.lens || j < c.lens[b]!);
        const s = new Float64Array(Tk);
        let m = -Infinity;
        for (let j = 0; j < Tk; j++) {
          if (!vis(j)) continue;
          let d = 0;
          for (let e = 0; e < hd; e++)
            d += q[(b * Tq + i) * H * hd + h * hd + e]! * k[(b * Tk + j) * KVH * hd + g * hd + e]!;
          s[j] = d * scale;
          m = Math.max(m, s[j]!);
        }
        let z = 0;
        for (let j = 0; j < Tk; j++) if (vis(j)) z += Math.exp(s[j]! - m);
        for (let j = 0; j < Tk; j++) {
          if (!vis(j)) continue;
          const p = Math.exp(s[j]! - m) / z;
          for (let e = 0; e < hd; e++)
            out[(b * Tq + i) * H * hd + h * hd + e] += p * v[(b * Tk + j) * KVH * hd + g * hd + e]!;
        }
      }
    }
  return out;
}

describe("attention", () => {
  const cases: [string, AttnCase][] = [
    ["causal", { B: 2, Tq: 9, Tk: 9, H: 2, KVH: 2, hd: 5, causal: true }],
    [
      "causal, long enough for several row blocks",
      { B: 1, Tq: 70, Tk: 70, H: 1, KVH: 1, hd: 3, causal: true },
    ],
    ["key padding", { B: 2, Tq: 6, Tk: 7, H: 2, KVH: 2, hd: 4, causal: false, lens: [7, 3] }],
    ["grouped KV heads, causal with a KV prefix", { B: 2, Tq: 3, Tk: 8, H: 4, KVH: 2, hd: 6, causal: true }],
    ["causal and padding", { B: 2, Tq: 5, Tk: 5, H: 1, KVH: 1, hd: 7, causal: true, lens: [2, 5] }],
  ];
  for (const [name, c] of cases) {
    it(name, () => {
      gradCheck(
        [inp([c.B, c.Tq, c.H * c.hd]), inp([c.B, c.Tk, c.KVH * c.hd]), inp([c.B, c.Tk, c.KVH * c.hd])],
        ([q, k, v]) =>
          T.attention(q!, k!, v!, { heads: c.H, kvHeads: c.KVH, causal: c.causal, keyLengths: c.lens }),
        ([q, k, v]) => refAttention(q!, k!, v!, c),
      );
    });
  }
  it("fused QKV input equals separate q, k, v", () => {
    const c: AttnCase = { B: 2, Tq: 7, Tk: 7, H: 3, KVH: 1, hd: 4, causal: true };
    const W = (c.H + 2 * c.KVH) * c.hd;
    gradCheck(
      [inp([c.B, c.Tq, W])],
      ([qkv]) => T.attentionQKV(qkv!, { heads: 3, kvHeads: 1, causal: true }),
      ([x]) => {
        const rows = c.B * c.Tq;
        const part = (col: number, w: number) => {
          const o = new Float64Array(rows * w);
          for (let r = 0; r < rows; r++) for (let j = 0; j < w; j++) o[r * w + j] = x![r * W + col + j]!;
          return o;
        };
        return refAttention(part(0, 12), part(12, 4), part(16, 4), c);
      },
    );
  });
  it("a fully padded batch element gives zeros, not NaN", () => {
    T.scope(() => {
      const q = T.randn([2, 3, 4], rng);
      const o = T.attention(q, T.randn([2, 3, 4], rng), T.randn([2, 3, 4], rng), {
        heads: 1,
        keyLengths: [0, 3],
      });
      expect(
        o
          .toArray()
          .slice(0, 12)
          .every((v) => v === 0),
      ).toBe(true);
      expect(o.toArray().every(Number.isFinite)).toBe(true);
    });
  });
});

describe("losses and lookups", () => {
  it("softmax cross-entropy with ignored rows", () => {
    const targets = [3, -100, 0, 10, 5];
    gradCheck(
      [inp([5, 11], 2)],
      ([x]) => T.softmaxCrossEntropy(x!, targets),
      ([x]) => {
        let s = 0;
        let n = 0;
        const p = refSoftmax(x!, 11);
        targets.forEach((t, r) => {
          if (t === -100) return;
          s -= Math.log(p[r * 11 + t]!);
          n++;
        });
        return Float64Array.of(s / n);
      },
    );
  });
  it("cross-entropy rejects out-of-range targets", () => {
    T.scope(() => expect(() => T.softmaxCrossEntropy(T.zeros([2, 3]), [0, 3])).toThrow(/target 3/));
  });
  it("embedding with repeated ids", () => {
    const ids = [2, 0, 2, 4, 2, 1];
    gradCheck(
      [inp([5, 7])],
      ([t]) => T.embedding(t!, ids, [2, 3]),
      ([t]) => {
        const o = new Float64Array(ids.length * 7);
        ids.forEach((id, i) => o.set(t!.subarray(id * 7, id * 7 + 7), i * 7));
        return o;
      },
    );
  });
});

describe("shape ops and reductions", () => {
  it("transpose, slice, concat, view", () => {
    gradCheck(
      [inp([2, 3, 5])],
      ([x]) => T.transpose(x!, 0, 2),
      ([x]) => {
        const o = new Float64Array(30);
        for (let a = 0; a < 2; a++)
          for (let b = 0; b < 3; b++)
            for (let c = 0; c < 5; c++) o[c * 6 + b * 2 + a] = x![a * 15 + b * 5 + c]!;
        return o;
      },
    );
    gradCheck(
      [inp([2, 6, 3])],
      ([x]) => T.slice(x!, 1, 2, 5),
      ([x]) => {
        const o: number[] = [];
        for (let a = 0; a < 2; a++)
          for (let b = 2; b < 5; b++) for (let c = 0; c < 3; c++) o.push(x![a * 18 + b * 3 + c]!);
        return Float64Array.from(o);
      },
    );
    gradCheck(
      [inp([2, 3, 4]), inp([2, 1, 4])],
      ([a, b]) => T.concat([a!, b!], 1),
      ([a, b]) => {
        const o: number[] = [];
        for (let z = 0; z < 2; z++)
          o.push(...a!.subarray(z * 12, z * 12 + 12), ...b!.subarray(z * 4, z * 4 + 4));
        return Float64Array.from(o);
      },
    );
    gradCheck(
      [inp([4, 6])],
      ([x]) => T.relu(x!.view([2, -1, 3])),
      ([x]) => map(x!, (v) => Math.max(0, v)),
    );
  });
  it("sum and mean", () => {
    gradCheck(
      [inp([7, 9])],
      ([x]) => T.sum(x!),
      ([x]) => Float64Array.of(x!.reduce((a, b) => a + b, 0)),
    );
    gradCheck(
      [inp([5001])],
      ([x]) => T.mean(x!),
      ([x]) => Float64Array.of(x!.reduce((a, b) => a + b, 0) / 5001),
      { tol: 1e-3 },
    );
  });
  it("rope (rotate-half) with a position offset", () => {
    const [B, Tn, H, hd] = [2, 5, 2, 6];
    gradCheck(
      [inp([B, Tn, H * hd])],
      ([x]) => T.rope(x!, { heads: H, offset: 3 }),
      ([x]) => {
        const o = new Float64Array(x!.length);
        for (let r = 0; r < B * Tn; r++)
          for (let h = 0; h < H; h++)
            for (let i = 0; i < hd / 2; i++) {
              const p = (r % Tn) + 3;
              const ang = p * Math.pow(10000, (-2 * i) / hd);
              const base = r * H * hd + h * hd;
              const a = x![base + i]!;
              const b = x![base + i + hd / 2]!;
              o[base + i] = a * Math.cos(ang) - b * Math.sin(ang);
              o[base + i + hd / 2] = b * Math.cos(ang) + a * Math.sin(ang);
            }
        return o;
      },
    );
  });
});
