/** Binary search over sorted numbers (beat times, histogram edges, a sorted window). */

/** The first index i in [0, end) with xs[i] >= t (xs ascending in that range); `end` if none. */
export function lowerBound(xs: ArrayLike<number>, t: number, end = xs.length): number {
  let lo = 0;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
