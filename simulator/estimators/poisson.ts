/**
 * Poisson(1) counts from 16 random bits each, by table lookup: POISSON16[u] for u uniform in [0, 65536).
 * Each probability is rounded to a multiple of 2^-16 (error < 1.6e-5 per value, mean and variance within
 * 1e-4 of 1), which the bootstrap cannot tell apart from exact draws, at two draws per 32-bit output.
 */
export const POISSON16: Uint8Array = (() => {
  const t = new Uint8Array(65536);
  let p = Math.exp(-1);
  let c = 0;
  let u = 0;
  for (let k = 0; k < 12 && u < 65536; k++) {
    c += p;
    const end = k === 11 ? 65536 : Math.min(65536, Math.round(c * 65536));
    for (; u < end; u++) t[u] = k;
    p /= k + 1;
  }
  return t;
})();
