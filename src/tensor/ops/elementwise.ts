/** Elementwise ops with broadcasting of a trailing-suffix operand, activations and scaling. */
import { engine } from "../engine.js";
import { Tensor, needsGrad, record, gradSlot } from "../tensor.js";

const ADD = 0;
const MUL = 1;
const SUB = 2;

/** True when `small`'s shape is a suffix of `big`'s (numpy broadcasting without size-1 dims). */
function isSuffix(big: Tensor, small: Tensor): boolean {
  if (small.size === 1) return true;
  if (small.rank > big.rank) return false;
  const off = big.rank - small.rank;
  return small.shape.every((d, i) => d === big.shape[off + i]);
}

function binaryOp(op: number, a: Tensor, b: Tensor): Tensor {
  if (!isSuffix(a, b)) {
    if (op !== SUB && isSuffix(b, a) && a.size !== b.size) return binaryOp(op, b, a);
    throw new RangeError(`cannot broadcast [${b.shape.join(", ")}] to [${a.shape.join(", ")}]`);
  }
  const e = engine();
  const out = Tensor.empty(a.shape);
  const n = a.size;
  const nb = b.size;
  e.run("binary", n, op, a.ptr, b.ptr, out.ptr, n, nb, 0);
  if (needsGrad(a, b))
    record(out, (g) => {
      const sa = gradSlot(a);
      if (sa) {
        if (op === MUL) e.run("binary", n, MUL, g.ptr, b.ptr, sa.ptr, n, nb, sa.beta);
        else e.run("axpby", n, g.ptr, sa.ptr, n, 1, sa.beta);
      }
      const sb = gradSlot(b);
      if (!sb) return;
      const sign = op === SUB ? -1 : 1;
      if (nb === n) {
        if (op === MUL) e.run("binary", n, MUL, g.ptr, a.ptr, sb.ptr, n, n, sb.beta);
        else e.run("axpby", n, g.ptr, sb.ptr, n, sign, sb.beta);
        return;
      }
      // sum the gradient over the broadcast (leading) dimensions
      const w = op === MUL ? a.ptr : 0;
      if (sign === 1) e.run("colSum", n, g.ptr, w, n / nb, nb, sb.ptr, sb.beta);
      else {
        const tmp = Tensor.empty([nb]);
        e.run("colSum", n, g.ptr, w, n / nb, nb, tmp.ptr, 0);
        e.run("axpby", nb, tmp.ptr, sb.ptr, nb, -1, sb.beta);
        tmp.dispose();
      }
    });
  return out;
}

/** a + b; b's shape is a suffix of a's (or either is a scalar / the other's suffix). */
export function add(a: Tensor, b: Tensor): Tensor {
  return binaryOp(ADD, a, b);
}

/** a * b elementwise, with the same broadcasting as `add`. */
export function mul(a: Tensor, b: Tensor): Tensor {
  return binaryOp(MUL, a, b);
}

/** a - b; b's shape must be a suffix of a's. */
export function sub(a: Tensor, b: Tensor): Tensor {
  return binaryOp(SUB, a, b);
}

/** s * x for a constant s. */
export function scale(x: Tensor, s: number): Tensor {
  const e = engine();
  const out = Tensor.empty(x.shape);
  e.run("axpby", x.size, x.ptr, out.ptr, x.size, s, 0);
  if (needsGrad(x))
    record(out, (g) => {
      const sx = gradSlot(x);
      if (sx) e.run("axpby", x.size, g.ptr, sx.ptr, x.size, s, sx.beta);
    });
  return out;
}

const RELU = 0;
const GELU = 1;
const SILU = 2;
const EXP = 3;
const SQUARE = 4;

function unaryOp(op: number, x: Tensor): Tensor {
  const e = engine();
  const out = Tensor.empty(x.shape);
  const n = x.size;
  e.run("unary", n * (op === GELU ? 8 : 1), op, x.ptr, out.ptr, n);
  if (needsGrad(x))
    record(out, (g) => {
      const sx = gradSlot(x);
      // relu: the output has the input's sign, so it serves as x (saves keeping x alive)
      if (sx) e.run("unaryBwd", n * 8, op, op === RELU ? out.ptr : x.ptr, g.ptr, sx.ptr, n, sx.beta);
    });
  return out;
}

export function relu(x: Tensor): Tensor {
  return unaryOp(RELU, x);
}

/** GELU, tanh approximation. */
export function gelu(x: Tensor): Tensor {
  return unaryOp(GELU, x);
}

/** SiLU (swish): x * sigmoid(x). */
export function silu(x: Tensor): Tensor {
  return unaryOp(SILU, x);
}

export function exp(x: Tensor): Tensor {
  return unaryOp(EXP, x);
}

export function square(x: Tensor): Tensor {
  return unaryOp(SQUARE, x);
}

/** SwiGLU: silu(gate) * up (same shapes). */
export function swiglu(gate: Tensor, up: Tensor): Tensor {
  if (gate.size !== up.size) throw new RangeError("swiglu: gate and up must have the same shape");
  const e = engine();
  const out = Tensor.empty(gate.shape);
  const n = gate.size;
  e.run("swiglu", n * 4, gate.ptr, up.ptr, out.ptr, n);
  if (needsGrad(gate, up))
    record(out, (g) => {
      const sg = gradSlot(gate);
      const su = gradSlot(up);
      e.run(
        "swigluBwd",
        n * 4,
        gate.ptr,
        up.ptr,
        g.ptr,
        sg?.ptr ?? 0,
        su?.ptr ?? 0,
        n,
        sg?.beta ?? 0,
        su?.beta ?? 0,
      );
    });
  return out;
}

/**
 * Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p).
 * `random` gives uniform numbers in [0, 1).
 */
export function dropout(x: Tensor, p: number, random: () => number): Tensor {
  if (p <= 0) return x;
  if (p >= 1) throw new RangeError("dropout: p must be below 1");
  const mask = Tensor.empty(x.shape);
  const m = mask.data;
  const keep = 1 / (1 - p);
  for (let i = 0; i < m.length; i++) m[i] = random() < p ? 0 : keep;
  return mul(x, mask);
}
