/**
 * Byte-pair-encoding merge learning over a word-frequency dictionary, on integer symbol ids.
 *
 * The classic loop ("count all pairs, merge the most frequent, recount") is quadratic in corpus
 * size. Here pair counts are kept incrementally: each pair knows the words it occurs in, a merge
 * touches only those words and applies count deltas, and a max-heap with lazy invalidation picks
 * the next pair (a popped entry whose count is stale is re-queued with its current count). A
 * pair's count can only grow in the step that creates one of its symbols, and those increases are
 * pushed to the heap, so the heap top with a current count is always the true maximum.
 *
 * Ties are broken by the smaller pair key (first id, then second id) so training is deterministic.
 */

/** One distinct pre-token: its symbol ids (initially bytes) and how often it occurs. */
export interface BpeWord {
  symbols: ArrayLike<number>;
  count: number;
}

export interface LearnMergesOptions {
  /** Stop when the best pair occurs fewer times than this (default 2). */
  minFrequency?: number;
  /** Called now and then with the number of merges learned so far. */
  onProgress?: (merges: number) => void;
}

/** Pair keys pack two ids (each < 2^21) into one exactly representable number. */
const KEY = 2 ** 21;
export const MAX_BPE_SYMBOLS = KEY;

/** A binary max-heap of (count, key), ordered by count desc then key asc. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  private above(i: number, j: number): boolean {
    const ci = this.counts[i]!;
    const cj = this.counts[j]!;
    return ci > cj || (ci === cj && this.keys[i]! < this.keys[j]!);
  }

  private swap(i: number, j: number): void {
    const c = this.counts[i]!;
    this.counts[i] = this.counts[j]!;
    this.counts[j] = c;
    const k = this.keys[i]!;
    this.keys[i] = this.keys[j]!;
    this.keys[j] = k;
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Removes the top entry and returns it as [count, key]. */
  pop(): [number, number] {
    const top: [number, number] = [this.counts[0]!, this.keys[0]!];
    const lastC = this.counts.pop()!;
    const lastK = this.keys.pop()!;
    const n = this.counts.length;
    if (n > 0) {
      this.counts[0] = lastC;
      this.keys[0] = lastK;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < n && this.above(l, m)) m = l;
        if (r < n && this.above(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/**
 * Learns up to `maxMerges` merges. Merge k creates the symbol `firstNewId + k`; the result lists
 * the merged pairs in order, as [left id, right id].
 */
export function learnMerges(
  words: readonly BpeWord[],
  firstNewId: number,
  maxMerges: number,
  options: LearnMergesOptions = {},
): Array<[number, number]> {
  const minFrequency = Math.max(1, options.minFrequency ?? 2);
  if (firstNewId + maxMerges > KEY) throw new RangeError(`learnMerges: at most ${KEY} symbols are supported`);
  const syms: Int32Array[] = words.map((w) => Int32Array.from(w.symbols));
  const freq = Float64Array.from(words, (w) => w.count);
  const counts = new Map<number, number>();
  const where = new Map<number, number[]>();

  const addWhere = (key: number, w: number): void => {
    const list = where.get(key);
    if (list === undefined) where.set(key, [w]);
    else if (list[list.length - 1] !== w) list.push(w);
  };
  for (let w = 0; w < syms.length; w++) {
    const s = syms[w]!;
    for (let i = 0; i + 1 < s.length; i++) {
      const key = s[i]! * KEY + s[i + 1]!;
      counts.set(key, (counts.get(key) ?? 0) + freq[w]!);
      addWhere(key, w);
    }
  }
  const heap = new PairHeap();
  for (const [key, c] of counts) heap.push(c, key);

  const merges: Array<[number, number]> = [];
  const stamp = new Int32Array(syms.length).fill(-1);
  const delta = new Map<number, number>();
  while (merges.length < maxMerges && heap.size > 0) {
    const [c, key] = heap.pop();
    const current = counts.get(key) ?? 0;
    if (current !== c) {
      // Stale entry: its count went down since it was pushed. Re-queue at the current count.
      if (current > 0 && current < c) heap.push(current, key);
      continue;
    }
    if (c < minFrequency) break;
    const a = Math.floor(key / KEY);
    const b = key - a * KEY;
    const z = firstNewId + merges.length;
    merges.push([a, b]);
    delta.clear();
    const step = merges.length;
    for (const w of where.get(key) ?? []) {
      if (stamp[w] === step) continue;
      stamp[w] = step;
      mergeWord(syms, w, a, b, z, freq[w]!, delta, addWhere);
    }
    where.delete(key);
    for (const [k, d] of delta) {
      if (d === 0) continue;
      const n = (counts.get(k) ?? 0) + d;
      if (n <= 0) counts.delete(k);
      else counts.set(k, n);
      if (d > 0) heap.push(n, k);
    }
    if (options.onProgress && step % 256 === 0) options.onProgress(step);
  }
  return merges;
}

/** Replaces every (a, b) in word w by z, left to right, recording the pair-count changes. */
function mergeWord(
  syms: Int32Array[],
  w: number,
  a: number,
  b: number,
  z: number,
  f: number,
  delta: Map<number, number>,
  addWhere: (key: number, w: number) => void,
): void {
  const s = syms[w]!;
  let found = false;
  for (let i = 0; i + 1 < s.length; i++) {
    if (s[i] === a && s[i + 1] === b) {
      found = true;
      break;
    }
  }
  if (!found) return; // a stale entry of the occurrence list
  const out: number[] = [];
  for (let i = 0; i < s.length;) {
    if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
      out.push(z);
      i += 2;
    } else out.push(s[i++]!);
  }
  // Words are short: subtracting all old pairs and adding all new ones is simple and exact.
  for (let i = 0; i + 1 < s.length; i++) {
    const k = s[i]! * KEY + s[i + 1]!;
    delta.set(k, (delta.get(k) ?? 0) - f);
  }
  for (let i = 0; i + 1 < out.length; i++) {
    const k = out[i]! * KEY + out[i + 1]!;
    delta.set(k, (delta.get(k) ?? 0) + f);
    if (out[i] === z || out[i + 1] === z) addWhere(k, w);
  }
  syms[w] = Int32Array.from(out);
}
