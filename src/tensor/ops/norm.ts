/** Layer norm, RMS norm and softmax over the last axis. */
import { engine } from "../engine.js";
import { Tensor, needsGrad, record, gradSlot } from "../tensor.js";

function checkParam(p: Tensor | null | undefined, n: number, what: string): void {
  if (p && p.size !== n) throw new RangeError(`${what} must have ${n} elements, got [${p.shape.join(", ")}]`);
}

function norm(rms: boolean, x: Tensor, w: Tensor | null, b: Tensor | null, eps: number): Tensor {
  const e = engine();
  const n = x.shape[x.rank - 1]!;
  const rows = x.size / n;
  checkParam(w, n, "norm weight");
  checkParam(b, n, "norm bias");
  const out = Tensor.empty(x.shape);
  const track = needsGrad(x, w, b);
  const mean = track ? Tensor.empty([rows]) : null;
  const rstd = track ? Tensor.empty([rows]) : null;
  e.run("normFwd", x.size, rms ? 1 : 0, x.ptr, w?.ptr ?? 0, b?.ptr ?? 0, out.ptr, rows, n, eps, mean?.ptr ?? 0, rstd?.ptr ?? 0); // prettier-ignore
  if (track)
    record(out, (g) => {
      const gx = gradSlot(x);
      if (gx) e.run("normBwdX", x.size * 2, rms ? 1 : 0, x.ptr, w?.ptr ?? 0, g.ptr, gx.ptr, rows, n, mean!.ptr, rstd!.ptr, gx.beta); // prettier-ignore
      const gw = w ? gradSlot(w) : null;
      const gb = b ? gradSlot(b) : null;
      if (gw || gb)
        e.run("normBwdW", x.size, x.ptr, g.ptr, rows, n, mean!.ptr, rstd!.ptr, gw?.ptr ?? 0, gb?.ptr ?? 0, gw?.beta ?? 0, gb?.beta ?? 0); // prettier-ignore
    });
  return out;
}

/** Layer norm over the last axis, with optional affine weight and bias. */
export function layerNorm(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return norm(false, x, weight ?? null, bias ?? null, eps);
}

/** RMS norm over the last axis (Llama), with optional weight. */
export function rmsNorm(x: Tensor, weight?: Tensor | null, eps = 1e-6): Tensor {
  return norm(true, x, weight ?? null, null, eps);
}

/** Softmax over the last axis. */
export function softmax(x: Tensor): Tensor {
  const e = engine();
  const n = x.shape[x.rank - 1]!;
  const rows = x.size / n;
  const out = Tensor.empty(x.shape);
  e.run("softmax", x.size * 4, x.ptr, out.ptr, rows, n);
  if (needsGrad(x))
    record(out, (g) => {
      const gx = gradSlot(x);
      if (gx) e.run("softmaxBwd", x.size * 2, out.ptr, g.ptr, gx.ptr, rows, n, gx.beta);
    });
  return out;
}
