// sort.ts: the stable merge sort both modules (index.ts and defaults.ts)
// use, generic over what is sorted and how it is ordered.

import { compare } from "./json";

// mergeSort sorts a stably and returns it sorted: a itself or a scratch
// array of its length. order.less(data, x, y) reports whether x goes
// before y; the order classes have no fields and an @inline less, so each
// instance of mergeSort compiles the comparison into its loop. Bottom-up,
// and two runs already in order are copied as they are: lists from a
// registry often come sorted.
export function mergeSort<T, D, O>(a: StaticArray<T>, data: D, order: O): StaticArray<T> {
  const n = a.length;
  let b = new StaticArray<T>(n);
  for (let width = 1; width < n; width <<= 1) {
    for (let lo = 0; lo < n; lo += width << 1) {
      const mid = min(lo + width, n);
      const hi = min(lo + (width << 1), n);
      if (mid == hi || !order.less(data, unchecked(a[mid]), unchecked(a[mid - 1]))) {
        memory.copy(changetype<usize>(b) + (<usize>lo << alignof<T>()), changetype<usize>(a) + (<usize>lo << alignof<T>()), <usize>(hi - lo) << alignof<T>());
        continue;
      }
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const x = unchecked(a[i]);
        const y = unchecked(a[j]);
        if (order.less(data, y, x)) {
          unchecked((b[k] = y));
          j++;
        } else {
          unchecked((b[k] = x));
          i++;
        }
        k++;
      }
      for (; i < mid; i++, k++) unchecked((b[k] = a[i]));
      for (; j < hi; j++, k++) unchecked((b[k] = a[j]));
    }
    const t = a;
    a = b;
    b = t;
  }
  return a;
}

// sortIndices returns 0..n-1 sorted stably by order over data (see
// mergeSort).
export function sortIndices<D, O>(n: i32, data: D, order: O): StaticArray<i32> {
  const a = new StaticArray<i32>(n);
  for (let i = 0; i < n; i++) unchecked((a[i] = i));
  return mergeSort<i32, D, O>(a, data, order);
}

// BySpan orders indices by the strings (spans) they index in data, as Go
// orders strings: byte by byte.
export class BySpan {
  // @ts-ignore: decorator
  @inline less(spans: StaticArray<u64>, x: i32, y: i32): bool {
    return compare(unchecked(spans[x]), unchecked(spans[y])) < 0;
  }
}
