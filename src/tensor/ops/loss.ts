/** Softmax cross-entropy with an ignore index, and embedding lookup. */
import { engine } from "../engine.js";
import { intBlock } from "../create.js";
import { Tensor, needsGrad, record, gradSlot, type Shape } from "../tensor.js";

/**
 * Mean softmax cross-entropy of logits [..., V] against integer targets (one per row); rows
 * whose target is `ignoreIndex` count for nothing. Returns a scalar tensor (0 when every row is
 * ignored).
 */
export function softmaxCrossEntropy(logits: Tensor, targets: ArrayLike<number>, ignoreIndex = -100): Tensor {
  const e = engine();
  const V = logits.shape[logits.rank - 1]!;
  const rows = logits.size / V;
  if (targets.length !== rows)
    throw new RangeError(`softmaxCrossEntropy: ${rows} rows but ${targets.length} targets`);
  let count = 0;
  for (let i = 0; i < rows; i++) {
    const t = targets[i]!;
    if (t === ignoreIndex) continue;
    if (!Number.isInteger(t) || t < 0 || t >= V)
      throw new RangeError(`softmaxCrossEntropy: target ${t} not in [0, ${V})`);
    count++;
  }
  const tg = intBlock(targets);
  const rowLoss = Tensor.empty([rows]);
  const lse = Tensor.empty([rows]);
  e.run("ceFwd", logits.size * 2, logits.ptr, tg.ptr, rows, V, ignoreIndex, rowLoss.ptr, lse.ptr);
  let total = 0;
  const rl = rowLoss.data;
  for (let i = 0; i < rows; i++) total += rl[i]!;
  rowLoss.dispose();
  const out = Tensor.empty([]);
  out.data[0] = count > 0 ? total / count : 0;
  if (!needsGrad(logits)) {
    tg.dispose();
    lse.dispose();
    return out;
  }
  return record(out, (g) => {
    const gl = gradSlot(logits);
    const s = count > 0 ? g.data[0]! / count : 0;
    if (gl)
      e.run("ceBwd", logits.size * 2, logits.ptr, tg.ptr, rows, V, ignoreIndex, lse.ptr, s, gl.ptr, gl.beta);
  });
}

/** Rows of `table` [V, D] for each id: returns [...shape, D] (shape default [ids.length]). */
export function embedding(table: Tensor, ids: ArrayLike<number>, shape?: Shape): Tensor {
  const e = engine();
  if (table.rank !== 2) throw new RangeError("embedding: table must be [vocab, dim]");
  const [V, D] = table.shape as [number, number];
  const n = ids.length;
  const s = shape ?? [n];
  if (s.reduce((a, b) => a * b, 1) !== n)
    throw new RangeError("embedding: shape does not match the number of ids");
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < 0 || id >= V)
      throw new RangeError(`embedding: id ${id} not in [0, ${V})`);
  }
  const idb = intBlock(ids);
  const out = Tensor.empty([...s, D]);
  e.run("embFwd", n * D, table.ptr, idb.ptr, n, D, out.ptr);
  if (!needsGrad(table)) {
    idb.dispose();
    return out;
  }
  return record(out, (g) => {
    const gt = gradSlot(table);
    if (!gt) return;
    if (gt.beta === 0) e.run("fill", table.size, gt.ptr, table.size, 0);
    e.run("embBwd", n * D, idb.ptr, n, D, g.ptr, gt.ptr);
  });
}
