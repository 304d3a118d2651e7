/** Number of set bits of a 32-bit integer (reason and strategy bit sets). */
export function popcount(x: number): number {
  let n = 0;
  while (x) {
    x &= x - 1;
    n++;
  }
  return n;
}
