/**
 * A small multi-class gradient-boosted trees classifier (softmax loss, second-order leaf values,
 * histogram splits: the XGBoost/LightGBM recipe at toy scale), for the classical beat classifier.
 *
 * Each round fits one regression tree per class to the softmax gradient; a tree is grown level by
 * level to `depth`, splitting where the gain G_L^2/(H_L+l) + G_R^2/(H_R+l) - G^2/(H+l) is largest
 * over per-feature histograms of at most `bins` quantile bins. Non-finite feature values count as
 * 0. The model is plain JSON (`GbtModel`), so a trained classifier can be cached and reloaded.
 */
import { lowerBound } from "../search.js";

export interface GbtOptions {
  rounds?: number;
  depth?: number;
  learningRate?: number;
  /** Quantile bins per feature (<= 255). */
  bins?: number;
  /** L2 regularisation of leaf values. */
  lambda?: number;
  /** Minimum hessian sum in a leaf. */
  minChildWeight?: number;
}

/** One tree: node arrays; a node with feature -1 is a leaf holding `value`. */
export interface GbtTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface GbtModel {
  nClasses: number;
  nFeatures: number;
  /** trees[round][class]. */
  trees: GbtTree[][];
}

const clean = (v: number): number => (Number.isFinite(v) ? v : 0);

/** Bin edges per feature: up to `bins - 1` distinct quantiles of the (finite) values. */
function binEdges(X: readonly Float64Array[], f: number, bins: number): number[] {
  const vals = X.map((x) => clean(x[f]!)).sort((a, b) => a - b);
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const v = vals[Math.floor((k * vals.length) / bins)]!;
    if (edges.length === 0 || v > edges[edges.length - 1]!) edges.push(v);
  }
  return edges;
}

/** Bin index of v: the number of edges strictly below v (so x <= edges[b] goes to bins <= b). */
function binOf(edges: readonly number[], v: number): number {
  return lowerBound(edges, v);
}

interface Node {
  idx: Int32Array;
  id: number;
}

function growTree(
  binned: Uint8Array[],
  edges: number[][],
  g: Float64Array,
  h: Float64Array,
  all: Int32Array,
  o: Required<GbtOptions>,
): GbtTree {
  const tree: GbtTree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const newNode = (): number => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    return tree.feature.length - 1;
  };
  const leafValue = (idx: Int32Array): number => {
    let G = 0;
    let H = 0;
    for (const i of idx) {
      G += g[i]!;
      H += h[i]!;
    }
    return (-G / (H + o.lambda)) * o.learningRate;
  };
  let level: Node[] = [{ idx: all, id: newNode() }];
  for (let d = 0; d < o.depth && level.length; d++) {
    const next: Node[] = [];
    for (const node of level) {
      const split = bestSplit(binned, edges, g, h, node.idx, o);
      if (!split) {
        tree.value[node.id] = leafValue(node.idx);
        continue;
      }
      const col = binned[split.feature]!;
      const l: number[] = [];
      const r: number[] = [];
      for (const i of node.idx) (col[i]! <= split.bin ? l : r).push(i);
      tree.feature[node.id] = split.feature;
      tree.threshold[node.id] = edges[split.feature]![split.bin]!;
      const li = newNode();
      const ri = newNode();
      tree.left[node.id] = li;
      tree.right[node.id] = ri;
      next.push({ idx: Int32Array.from(l), id: li }, { idx: Int32Array.from(r), id: ri });
    }
    level = next;
  }
  for (const node of level) tree.value[node.id] = leafValue(node.idx);
  return tree;
}

function bestSplit(
  binned: Uint8Array[],
  edges: number[][],
  g: Float64Array,
  h: Float64Array,
  idx: Int32Array,
  o: Required<GbtOptions>,
): { feature: number; bin: number } | null {
  let G = 0;
  let H = 0;
  for (const i of idx) {
    G += g[i]!;
    H += h[i]!;
  }
  if (H < 2 * o.minChildWeight) return null;
  const parent = (G * G) / (H + o.lambda);
  let best = 1e-9;
  let out: { feature: number; bin: number } | null = null;
  const hg = new Float64Array(o.bins);
  const hh = new Float64Array(o.bins);
  for (let f = 0; f < binned.length; f++) {
    const nb = edges[f]!.length;
    if (nb === 0) continue;
    hg.fill(0);
    hh.fill(0);
    const col = binned[f]!;
    for (const i of idx) {
      hg[col[i]!] += g[i]!;
      hh[col[i]!] += h[i]!;
    }
    let GL = 0;
    let HL = 0;
    for (let b = 0; b < nb; b++) {
      GL += hg[b]!;
      HL += hh[b]!;
      const HR = H - HL;
      if (HL < o.minChildWeight || HR < o.minChildWeight) continue;
      const GR = G - GL;
      const gain = (GL * GL) / (HL + o.lambda) + (GR * GR) / (HR + o.lambda) - parent;
      if (gain > best) {
        best = gain;
        out = { feature: f, bin: b };
      }
    }
  }
  return out;
}

function treeValue(t: GbtTree, x: ArrayLike<number>): number {
  let n = 0;
  while (t.feature[n]! >= 0) n = clean(x[t.feature[n]!]!) <= t.threshold[n]! ? t.left[n]! : t.right[n]!;
  return t.value[n]!;
}

function softmaxInPlace(z: Float64Array): Float64Array {
  let m = -Infinity;
  for (const v of z) m = Math.max(m, v);
  let s = 0;
  for (let k = 0; k < z.length; k++) s += z[k] = Math.exp(z[k]! - m);
  for (let k = 0; k < z.length; k++) z[k]! /= s;
  return z;
}

/**
 * Trains on rows `X` with class indices `y` in [0, nClasses) and optional per-row weights
 * (e.g. to balance rare classes).
 */
export function trainGbt(
  X: readonly Float64Array[],
  y: readonly number[],
  nClasses: number,
  opts: GbtOptions = {},
  weights?: readonly number[],
): GbtModel {
  const o: Required<GbtOptions> = {
    rounds: 100,
    depth: 4,
    learningRate: 0.2,
    bins: 32,
    lambda: 1,
    minChildWeight: 1,
    ...opts,
  };
  if (X.length === 0 || X.length !== y.length)
    throw new RangeError("trainGbt: X and y must be non-empty and of equal length");
  if (o.bins > 255 || o.bins < 2) throw new RangeError("trainGbt: bins must be in 2..255");
  const n = X.length;
  const nFeatures = X[0]!.length;
  const edges = Array.from({ length: nFeatures }, (_, f) => binEdges(X, f, o.bins));
  const binned = edges.map((e, f) => Uint8Array.from(X, (x) => binOf(e, clean(x[f]!))));
  const w = weights ? Float64Array.from(weights) : new Float64Array(n).fill(1);
  const F = Array.from({ length: n }, () => new Float64Array(nClasses));
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const model: GbtModel = { nClasses, nFeatures, trees: [] };
  const g = Array.from({ length: nClasses }, () => new Float64Array(n));
  const h = Array.from({ length: nClasses }, () => new Float64Array(n));
  for (let round = 0; round < o.rounds; round++) {
    for (let i = 0; i < n; i++) {
      const p = softmaxInPlace(Float64Array.from(F[i]!));
      for (let k = 0; k < nClasses; k++) {
        g[k]![i] = (p[k]! - (y[i] === k ? 1 : 0)) * w[i]!;
        h[k]![i] = Math.max(1e-6, p[k]! * (1 - p[k]!)) * w[i]!;
      }
    }
    const trees = g.map((gk, k) => growTree(binned, edges, gk, h[k]!, all, o));
    for (let i = 0; i < n; i++) for (let k = 0; k < nClasses; k++) F[i]![k] += treeValue(trees[k]!, X[i]!);
    model.trees.push(trees);
  }
  return model;
}

/** What a stored classifier says it is: a retrained one of another version differs here. */
export interface StoredClassifierHeader {
  kind: string;
  version: number;
  classes: readonly string[];
  features: readonly string[];
}

/** Whether parsed JSON carries the header `want` (kind, version, classes and features). */
export function hasHeader(json: unknown, want: StoredClassifierHeader): boolean {
  const c = json as Partial<StoredClassifierHeader> | null;
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  return !!c && c.kind === want.kind && c.version === want.version && same(c.classes, want.classes) && same(c.features, want.features); // prettier-ignore
}

/** Class probabilities of one row. */
export function predictProba(model: GbtModel, x: ArrayLike<number>): Float64Array {
  const z = new Float64Array(model.nClasses);
  for (const round of model.trees) for (let k = 0; k < model.nClasses; k++) z[k] += treeValue(round[k]!, x);
  return softmaxInPlace(z);
}

/** The most probable class of one row. */
export function predictClass(model: GbtModel, x: ArrayLike<number>): number {
  const p = predictProba(model, x);
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  return best;
}
