/**
 * Small FFT helpers for the scorer: in-place radix-2 complex FFT (1-D) and a 2-D transform on
 * row-major split re/im arrays. Sizes must be powers of two (callers pad).
 */

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array; rev: Uint32Array }>();

function tables(n: number) {
  let t = twiddleCache.get(n);
  if (!t) {
    const cos = new Float64Array(n >> 1);
    const sin = new Float64Array(n >> 1);
    for (let i = 0; i < n >> 1; i++) {
      cos[i] = Math.cos((2 * Math.PI * i) / n);
      sin[i] = Math.sin((2 * Math.PI * i) / n);
    }
    const rev = new Uint32Array(n);
    let bits = 0;
    while (1 << bits < n) bits++;
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
      rev[i] = r;
    }
    t = { cos, sin, rev };
    twiddleCache.set(n, t);
  }
  return t;
}

/** In-place FFT of re/im of any length (Bluestein for non powers of two); inverse is unnormalised. */
export function fft1d(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n <= 1) return;
  if ((n & (n - 1)) !== 0) { bluestein(re, im, inverse); return; }
  radix2(re, im, inverse);
}

const bluesteinCache = new Map<number, { m: number; wr: Float64Array; wi: Float64Array; br: Float64Array; bi: Float64Array }>();

function bluestein(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  let c = bluesteinCache.get(n);
  if (!c) {
    const m = nextPow2(2 * n - 1);
    // chirp w_k = exp(-i·pi·k²/n) (forward); k² taken mod 2n for accuracy
    const wr = new Float64Array(n);
    const wi = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const k2 = (k * k) % (2 * n);
      const a = (Math.PI * k2) / n;
      wr[k] = Math.cos(a); wi[k] = -Math.sin(a);
    }
    const br = new Float64Array(m);
    const bi = new Float64Array(m);
    br[0] = wr[0]; bi[0] = -wi[0];
    for (let k = 1; k < n; k++) {
      br[k] = br[m - k] = wr[k];
      bi[k] = bi[m - k] = -wi[k];
    }
    radix2(br, bi, false);
    c = { m, wr, wi, br, bi };
    bluesteinCache.set(n, c);
  }
  const { m, wr, wi, br, bi } = c;
  // inverse (unnormalised) = conj(forward(conj(x)))
  const s = inverse ? -1 : 1;
  const ar = new Float64Array(m);
  const ai = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    const xr = re[k], xi = s * im[k];
    ar[k] = xr * wr[k] - xi * wi[k];
    ai[k] = xr * wi[k] + xi * wr[k];
  }
  radix2(ar, ai, false);
  for (let k = 0; k < m; k++) {
    const xr = ar[k], xi = ai[k];
    ar[k] = xr * br[k] - xi * bi[k];
    ai[k] = xr * bi[k] + xi * br[k];
  }
  radix2(ar, ai, true);
  const inv = 1 / m;
  for (let k = 0; k < n; k++) {
    const xr = ar[k] * inv, xi = ai[k] * inv;
    re[k] = xr * wr[k] - xi * wi[k];
    im[k] = s * (xr * wi[k] + xi * wr[k]);
  }
}

function radix2(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  const { cos, sin, rev } = tables(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (j > i) {
      let t = re[i]; re[i] = re[j]; re[j] = t;
      t = im[i]; im[i] = im[j]; im[j] = t;
    }
  }
  const sgn = inverse ? 1 : -1;
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step];
        const wi = sgn * sin[k * step];
        const a = start + k;
        const b = a + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr; im[b] = im[a] - xi;
        re[a] += xr; im[a] += xi;
      }
    }
  }
}

/**
 * In-place 2-D FFT of a rows×cols array (any sizes), row-major.
 * inverse=true divides by rows·cols (a true inverse).
 */
export function fft2d(re: Float64Array, im: Float64Array, rows: number, cols: number, inverse = false): void {
  const rr = new Float64Array(cols);
  const ri = new Float64Array(cols);
  for (let y = 0; y < rows; y++) {
    const o = y * cols;
    for (let x = 0; x < cols; x++) { rr[x] = re[o + x]; ri[x] = im[o + x]; }
    fft1d(rr, ri, inverse);
    for (let x = 0; x < cols; x++) { re[o + x] = rr[x]; im[o + x] = ri[x]; }
  }
  const cr = new Float64Array(rows);
  const ci = new Float64Array(rows);
  for (let x = 0; x < cols; x++) {
    for (let y = 0; y < rows; y++) { cr[y] = re[y * cols + x]; ci[y] = im[y * cols + x]; }
    fft1d(cr, ci, inverse);
    for (let y = 0; y < rows; y++) { re[y * cols + x] = cr[y]; im[y * cols + x] = ci[y]; }
  }
  if (inverse) {
    const s = 1 / (rows * cols);
    for (let i = 0; i < re.length; i++) { re[i] *= s; im[i] *= s; }
  }
}
