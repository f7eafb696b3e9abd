/** Fused multi-head scaled dot-product attention (causal and key-padding masks, grouped KV). */
import { engine } from "../engine.js";
import { intBlock } from "../create.js";
import { Tensor, needsGrad, record, gradSlot } from "../tensor.js";

export interface AttentionOptions {
  /** Number of query heads. */
  heads: number;
  /** Number of key/value heads (grouped-query attention; default: heads). */
  kvHeads?: number;
  /** Query i sees keys j <= i + (Tk - Tq) (so a KV cache prefix stays visible). */
  causal?: boolean;
  /** Per batch element, the number of valid keys (the rest are padding). */
  keyLengths?: ArrayLike<number>;
  /** Logit scale (default 1 / sqrt(head size)). */
  scale?: number;
}

/** A column block of a [B, T, width] tensor: columns [col, col + heads*hd). */
interface Operand {
  t: Tensor;
  col: number;
  ld: number;
}

function run(
  q: Operand,
  k: Operand,
  v: Operand,
  B: number,
  Tq: number,
  Tk: number,
  hd: number,
  o: AttentionOptions,
): Tensor {
  const e = engine();
  const H = o.heads;
  const KVH = o.kvHeads ?? H;
  if (!Number.isInteger(H) || H < 1 || !Number.isInteger(KVH) || KVH < 1 || H % KVH !== 0)
    throw new RangeError(`attention: heads (${H}) must be a positive multiple of kvHeads (${KVH})`);
  const scale = o.scale ?? 1 / Math.sqrt(hd);
  const causal = o.causal ? 1 : 0;
  let lens: Tensor | null = null;
  if (o.keyLengths) {
    if (o.keyLengths.length !== B) throw new RangeError(`attention: keyLengths needs ${B} entries`);
    for (let i = 0; i < B; i++) {
      const l = o.keyLengths[i]!;
      if (!Number.isInteger(l) || l < 0 || l > Tk)
        throw new RangeError(`attention: key length ${l} not in [0, ${Tk}]`);
    }
    lens = intBlock(o.keyLengths);
  }
  const out = Tensor.empty([B, Tq, H * hd]);
  const p = Tensor.empty([B, H, Tq, Tk]);
  const at = (x: Operand): number => x.t.ptr + x.col * 4;
  const work = (B * H * Tq * Tk * hd) / 16;
  e.ensureScratch(0);
  e.run("attnFwd", work, at(q), q.ld, at(k), k.ld, at(v), v.ld, out.ptr, H * hd, p.ptr, B, Tq, Tk, H, KVH, hd, scale, causal, lens?.ptr ?? 0); // prettier-ignore
  if (!needsGrad(q.t, k.t, v.t)) {
    p.dispose();
    lens?.dispose();
    return out;
  }
  return record(out, (g) => {
    // one slot per distinct tensor (q, k and v may be column blocks of one fused tensor)
    const slots = new Map<Tensor, ReturnType<typeof gradSlot>>();
    for (const x of [q, k, v]) if (!slots.has(x.t)) slots.set(x.t, gradSlot(x.t));
    // a fused tensor's fresh gradient is written block by block with beta 0: the q, k and v
    // blocks cover all its columns, so no zero fill is needed
    const sl = (x: Operand) => slots.get(x.t) ?? null;
    const ptr = (x: Operand) => (sl(x) ? sl(x)!.ptr + x.col * 4 : 0);
    const beta = (x: Operand) => sl(x)?.beta ?? 0;
    e.ensureScratch(Tq * Tk * 4);
    e.run("attnBwd", work * 2, at(q), q.ld, at(k), k.ld, at(v), v.ld, g.ptr, H * hd, p.ptr, B, Tq, Tk, H, KVH, hd, scale, causal, lens?.ptr ?? 0,
      ptr(q), q.ld, ptr(k), k.ld, ptr(v), v.ld, beta(q), beta(k), beta(v)); // prettier-ignore
  });
}

function dims(t: Tensor, what: string): [number, number, number] {
  if (t.rank !== 3)
    throw new RangeError(`attention: ${what} must be [batch, time, width], got [${t.shape.join(", ")}]`);
  return t.shape as unknown as [number, number, number];
}

/**
 * softmax(q k^T * scale + mask) v per head. q: [B, Tq, heads*hd]; k, v: [B, Tk, kvHeads*hd].
 * Returns [B, Tq, heads*hd] (heads side by side, ready for the output projection).
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): Tensor {
  const [B, Tq, wq] = dims(q, "q");
  const [Bk, Tk, wk] = dims(k, "k");
  const [Bv, Tv, wv] = dims(v, "v");
  const H = opts.heads;
  const KVH = opts.kvHeads ?? H;
  const hd = wq / H;
  if (!Number.isInteger(hd) || Bk !== B || Bv !== B || Tv !== Tk || wk !== KVH * hd || wv !== KVH * hd)
    throw new RangeError(
      `attention: shapes q [${q.shape}] k [${k.shape}] v [${v.shape}] do not fit ${H}/${KVH} heads`,
    );
  if (q === k || k === v || q === v) throw new RangeError("attention: q, k and v must be distinct tensors");
  return run(
    { t: q, col: 0, ld: wq },
    { t: k, col: 0, ld: wk },
    { t: v, col: 0, ld: wv },
    B,
    Tq,
    Tk,
    hd,
    opts,
  );
}

/**
 * Self-attention on a fused projection qkv: [B, T, (heads + 2*kvHeads) * hd], columns
 * [q heads | k heads | v heads] (the layout of a fused QKV linear layer).
 */
export function attentionQKV(qkv: Tensor, opts: AttentionOptions): Tensor {
  const [B, T, w] = dims(qkv, "qkv");
  const H = opts.heads;
  const KVH = opts.kvHeads ?? H;
  const hd = w / (H + 2 * KVH);
  if (!Number.isInteger(hd)) throw new RangeError(`attention: width ${w} does not fit ${H}/${KVH} heads`);
  return run({ t: qkv, col: 0, ld: w }, { t: qkv, col: H * hd, ld: w }, { t: qkv, col: (H + KVH) * hd, ld: w }, B, T, T, hd, opts); // prettier-ignore
}
