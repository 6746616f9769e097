// AssemblyScript image kernels for luckygraph (compiled with --enable simd, see scripts/build-wasm.mjs).
//
// Memory: the JavaScript side owns the layout. It allocates every buffer (inputs, outputs,
// scratch) in one linear memory above `heapBase()` with a bump allocator and passes byte
// offsets. Nothing here allocates. All images are float32, row-major, channels interleaved.
//
// Numerics: the separable blur, the Laplacian and the first pass evaluate exactly the same
// float64 operations, in the same order, as the TypeScript reference (src/image/*.ts,
// src/runtime/frame-store.ts), so their results are bit-identical; only the lane width differs
// (f64x2). nccMap64 (the default) forms the same exact float64 products as the reference and
// differs only in the order of the float64 summation (≈1e-16 relative, invisible after rounding
// to float32 in practice). nccMap is the faster float32 variant: products and per-row partial sums
// in f32x4, rows accumulated in float64 (agreement ~1e-7). See tests/perf.

// ---------------------------------------------------------------------------------------------
// helpers

/** First free byte after the static data: the JS allocator starts here. */
export function heapBase(): usize {
  return __heap_base;
}

// @ts-ignore: decorator
@inline function lo2(p: usize): v128 {
  // two f32 at p, widened to f64x2
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

// @ts-ignore: decorator
@inline function pack4(a: v128, b: v128): v128 {
  // f64x2 a (lanes 0,1) and b (lanes 2,3) rounded to f32x4
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

// ---------------------------------------------------------------------------------------------
// pieces shared by the separable blurs (blurSep, blurSep32, firstPass)

// Reflect-101 borders of a padded row whose interior (rowLen floats at pad + r·C floats) is filled:
// xsrc holds the interior offsets (× C) of the left (j < r) and right border pixels.
// @ts-ignore: decorator
@inline function padBorders(pad: usize, r: i32, C: i32, rowLen: i32, xsrc: usize): void {
  const inner = pad + (<usize>(r * C) << 2);
  const right = inner + (<usize>rowLen << 2);
  for (let j = 0; j < r; j++) {
    const ls = inner + (<usize>load<i32>(xsrc + (<usize>j << 2)) << 2);
    const rs = inner + (<usize>load<i32>(xsrc + (<usize>(r + j) << 2)) << 2);
    const lo = pad + (<usize>(j * C) << 2);
    const ro = right + (<usize>(j * C) << 2);
    for (let c = 0; c < C; c++) {
      store<f32>(lo + (<usize>c << 2), load<f32>(ls + (<usize>c << 2)));
      store<f32>(ro + (<usize>c << 2), load<f32>(rs + (<usize>c << 2)));
    }
  }
}

// The ring rows output row y of the vertical pass needs: rowp[2k], rowp[2k+1] = the rows of the
// k-th tap pair (source rows reflect101(y − r + k) and reflect101(y + r − k), via ytab).
// @ts-ignore: decorator
@inline function ringRowPointers(ring: usize, ringRows: i32, rowBytes: usize, ytab: usize, rowp: usize, y: i32, r: i32): void {
  for (let k = 0; k < r; k++) {
    const a = ring + <usize>(load<i32>(ytab + (<usize>(y + k) << 2)) % ringRows) * rowBytes;
    const b = ring + <usize>(load<i32>(ytab + (<usize>(y + 2 * r - k) << 2)) % ringRows) * rowBytes;
    store<u32>(rowp + (<usize>(2 * k) << 2), <u32>a);
    store<u32>(rowp + (<usize>(2 * k + 1) << 2), <u32>b);
  }
}

// float32 horizontal pass of one padded row into out (rowLen floats): s = kc·x; s += k_t·(a + b),
// every operation rounded to float32 (the reference's order; no fused multiply-add).
// @ts-ignore: decorator
@inline function hPass32(pad: usize, out: usize, rowLen: i32, C: i32, kx: usize, r: i32): void {
  const padOff = <usize>(r * C) << 2;
  const kc = <f32>load<f64>(kx + (<usize>r << 3));
  const kcV = f32x4.splat(kc);
  const n4 = rowLen & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const p = pad + (<usize>i << 2);
    let s = f32x4.mul(kcV, v128.load(p + padOff));
    for (let k = 0; k < r; k++) {
      const wk = f32x4.splat(<f32>load<f64>(kx + (<usize>k << 3)));
      const a = p + (<usize>(k * C) << 2);
      const b = p + (<usize>((2 * r - k) * C) << 2);
      s = f32x4.add(s, f32x4.mul(wk, f32x4.add(v128.load(a), v128.load(b))));
    }
    v128.store(out + (<usize>i << 2), s);
  }
  for (; i < rowLen; i++) {
    const p = pad + (<usize>i << 2);
    let s: f32 = kc * load<f32>(p + padOff);
    for (let k = 0; k < r; k++) {
      s += <f32>load<f64>(kx + (<usize>k << 3)) *
        (load<f32>(p + (<usize>(k * C) << 2)) + load<f32>(p + (<usize>((2 * r - k) * C) << 2)));
    }
    store<f32>(out + (<usize>i << 2), s);
  }
}

// float32 vertical pass of one output row: centre row c0, tap pairs from rowp (ringRowPointers).
// @ts-ignore: decorator
@inline function vPass32(c0: usize, rowp: usize, out: usize, rowLen: i32, ky: usize, r: i32): void {
  const kc = <f32>load<f64>(ky + (<usize>r << 3));
  const kcV = f32x4.splat(kc);
  const n4 = rowLen & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const off = <usize>i << 2;
    let s = f32x4.mul(kcV, v128.load(c0 + off));
    for (let k = 0; k < r; k++) {
      const wk = f32x4.splat(<f32>load<f64>(ky + (<usize>k << 3)));
      const a = <usize>load<u32>(rowp + (<usize>(2 * k) << 2)) + off;
      const b = <usize>load<u32>(rowp + (<usize>(2 * k + 1) << 2)) + off;
      s = f32x4.add(s, f32x4.mul(wk, f32x4.add(v128.load(a), v128.load(b))));
    }
    v128.store(out + off, s);
  }
  for (; i < rowLen; i++) {
    const off = <usize>i << 2;
    let s: f32 = kc * load<f32>(c0 + off);
    for (let k = 0; k < r; k++) {
      const a = <usize>load<u32>(rowp + (<usize>(2 * k) << 2)) + off;
      const b = <usize>load<u32>(rowp + (<usize>(2 * k + 1) << 2)) + off;
      s += <f32>load<f64>(ky + (<usize>k << 3)) * (load<f32>(a) + load<f32>(b));
    }
    store<f32>(out + off, s);
  }
}

// ---------------------------------------------------------------------------------------------
// separable symmetric convolution, reflect-101 (reference: convolveSymmetricSeparable)
//
// src, dst  : f32[h · w · C]
// kx        : f64[rx + 1]   first half and centre of the x kernel (kx[rx] = centre)
// ky        : f64[ry + 1]
// xsrc      : i32[2 · rx]   left (j = 0 … rx−1) then right source column of the pad, times C
// ytab      : i32[h + 2 · ry] reflect101(y − ry, h) for y = 0 … h + 2ry − 1
// ring      : f32[(2ry + 1) · w · C]  scratch
// pad       : f32[(w + 2rx) · C]      scratch
// rowp      : i32[2 · ry]             scratch
export function blurSep(
  src: usize, dst: usize, w: i32, h: i32, C: i32,
  kx: usize, rx: i32, ky: usize, ry: i32,
  xsrc: usize, ytab: usize, ring: usize, pad: usize, rowp: usize,
): void {
  blurSepRows(src, dst, w, h, C, kx, rx, ky, ry, xsrc, ytab, ring, pad, rowp, 0, h);
}

// The output rows y0 … y1−1 of blurSep (f32 = 0) or blurSep32 (f32 = 1): two threads may each take a
// band (each with its own ring, pad and rowp); a row does not depend on who computes it.
export function blurRows(
  src: usize, dst: usize, w: i32, h: i32, C: i32,
  kx: usize, rx: i32, ky: usize, ry: i32,
  xsrc: usize, ytab: usize, ring: usize, pad: usize, rowp: usize, f32: i32, y0: i32, y1: i32,
): void {
  if (f32) blurSep32Rows(src, dst, w, h, C, kx, rx, ky, ry, xsrc, ytab, ring, pad, rowp, y0, y1);
  else blurSepRows(src, dst, w, h, C, kx, rx, ky, ry, xsrc, ytab, ring, pad, rowp, y0, y1);
}

function blurSepRows(
  src: usize, dst: usize, w: i32, h: i32, C: i32,
  kx: usize, rx: i32, ky: usize, ry: i32,
  xsrc: usize, ytab: usize, ring: usize, pad: usize, rowp: usize, y0: i32, y1: i32,
): void {
  const rowLen = w * C;
  const rowBytes = <usize>rowLen << 2;
  const ringRows = 2 * ry + 1;
  const padOff = <usize>(rx * C) << 2; // bytes
  const kxc = load<f64>(kx + (<usize>rx << 3));
  const kyc = load<f64>(ky + (<usize>ry << 3));
  const kxcV = f64x2.splat(kxc);
  const kycV = f64x2.splat(kyc);
  const n4 = rowLen & ~3;
  let nextRow = max(0, y0 - ry);
  for (let y = y0; y < y1; y++) {
    // ---- horizontal pass for the rows this output row needs ----
    const need = min(h - 1, y + ry);
    for (; nextRow <= need; nextRow++) {
      const base = src + <usize>nextRow * rowBytes;
      const out = ring + <usize>(nextRow % ringRows) * rowBytes;
      memory.copy(pad + padOff, base, rowBytes);
      padBorders(pad, rx, C, rowLen, xsrc);
      let i = 0;
      for (; i < n4; i += 4) {
        const p = pad + (<usize>i << 2);
        let s0 = f64x2.mul(kxcV, lo2(p + padOff));
        let s1 = f64x2.mul(kxcV, lo2(p + padOff + 8));
        for (let k = 0; k < rx; k++) {
          const wk = v128.load64_splat(kx + (<usize>k << 3));
          const a = p + (<usize>(k * C) << 2);
          const b = p + (<usize>((2 * rx - k) * C) << 2);
          s0 = f64x2.add(s0, f64x2.mul(wk, f64x2.add(lo2(a), lo2(b))));
          s1 = f64x2.add(s1, f64x2.mul(wk, f64x2.add(lo2(a + 8), lo2(b + 8))));
        }
        v128.store(out + (<usize>i << 2), pack4(s0, s1));
      }
      for (; i < rowLen; i++) {
        const p = pad + (<usize>i << 2);
        let s = kxc * <f64>load<f32>(p + padOff);
        for (let k = 0; k < rx; k++) {
          s += load<f64>(kx + (<usize>k << 3)) *
            (<f64>load<f32>(p + (<usize>(k * C) << 2)) + <f64>load<f32>(p + (<usize>((2 * rx - k) * C) << 2)));
        }
        store<f32>(out + (<usize>i << 2), <f32>s);
      }
    }
    // ---- vertical pass (float64 accumulation) ----
    const c0 = ring + <usize>(y % ringRows) * rowBytes;
    ringRowPointers(ring, ringRows, rowBytes, ytab, rowp, y, ry);
    const ob = dst + <usize>y * rowBytes;
    let i = 0;
    for (; i < n4; i += 4) {
      const off = <usize>i << 2;
      let s0 = f64x2.mul(kycV, lo2(c0 + off));
      let s1 = f64x2.mul(kycV, lo2(c0 + off + 8));
      for (let k = 0; k < ry; k++) {
        const wk = v128.load64_splat(ky + (<usize>k << 3));
        const a = <usize>load<u32>(rowp + (<usize>(2 * k) << 2)) + off;
        const b = <usize>load<u32>(rowp + (<usize>(2 * k + 1) << 2)) + off;
        s0 = f64x2.add(s0, f64x2.mul(wk, f64x2.add(lo2(a), lo2(b))));
        s1 = f64x2.add(s1, f64x2.mul(wk, f64x2.add(lo2(a + 8), lo2(b + 8))));
      }
      v128.store(ob + off, pack4(s0, s1));
    }
    for (; i < rowLen; i++) {
      const off = <usize>i << 2;
      let s = kyc * <f64>load<f32>(c0 + off);
      for (let k = 0; k < ry; k++) {
        const a = <usize>load<u32>(rowp + (<usize>(2 * k) << 2)) + off;
        const b = <usize>load<u32>(rowp + (<usize>(2 * k + 1) << 2)) + off;
        s += load<f64>(ky + (<usize>k << 3)) * (<f64>load<f32>(a) + <f64>load<f32>(b));
      }
      store<f32>(ob + off, <f32>s);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The same separable symmetric convolution in float32 (reference: convolveSymmetricSeparableF32 in
// src/image/blur.ts): every product and sum rounded to float32 in the same order as the reference,
// four lanes at a time (no fused multiply-add), so the results are bit-identical to it. Weights are
// the float64 tables of blurSep rounded to float32. Arguments as blurSep.
export function blurSep32(
  src: usize, dst: usize, w: i32, h: i32, C: i32,
  kx: usize, rx: i32, ky: usize, ry: i32,
  xsrc: usize, ytab: usize, ring: usize, pad: usize, rowp: usize,
): void {
  blurSep32Rows(src, dst, w, h, C, kx, rx, ky, ry, xsrc, ytab, ring, pad, rowp, 0, h);
}

function blurSep32Rows(
  src: usize, dst: usize, w: i32, h: i32, C: i32,
  kx: usize, rx: i32, ky: usize, ry: i32,
  xsrc: usize, ytab: usize, ring: usize, pad: usize, rowp: usize, y0: i32, y1: i32,
): void {
  const rowLen = w * C;
  const rowBytes = <usize>rowLen << 2;
  const ringRows = 2 * ry + 1;
  const padOff = <usize>(rx * C) << 2;
  let nextRow = max(0, y0 - ry);
  for (let y = y0; y < y1; y++) {
    const need = min(h - 1, y + ry);
    for (; nextRow <= need; nextRow++) {
      memory.copy(pad + padOff, src + <usize>nextRow * rowBytes, rowBytes);
      padBorders(pad, rx, C, rowLen, xsrc);
      hPass32(pad, ring + <usize>(nextRow % ringRows) * rowBytes, rowLen, C, kx, rx);
    }
    ringRowPointers(ring, ringRows, rowBytes, ytab, rowp, y, ry);
    vPass32(ring + <usize>(y % ringRows) * rowBytes, rowp, dst + <usize>y * rowBytes, rowLen, ky, ry);
  }
}

// ---------------------------------------------------------------------------------------------
// 3×3 Laplacian [[0,1,0],[1,−4,1],[0,1,0]], reflect-101 (reference: laplacian3x3)

// @ts-ignore: decorator
@inline function refl(i: i32, n: i32): i32 {
  // reflect101 for i ∈ [−1, n]
  if (i >= 0 && i < n) return i;
  if (n == 1) return 0;
  return i < 0 ? -i : 2 * n - 2 - i;
}

// @ts-ignore: decorator
@inline function lapAt(up: usize, dn: usize, l: usize, r: usize, c: usize): f32 {
  return <f32>(
    <f64>load<f32>(up) + <f64>load<f32>(dn) + <f64>load<f32>(l) + <f64>load<f32>(r) - 4.0 * <f64>load<f32>(c)
  );
}

export function laplacian(src: usize, dst: usize, w: i32, h: i32, C: i32): void {
  const rowLen = w * C;
  const rowBytes = <usize>rowLen << 2;
  const Cb = <usize>C << 2;
  const xl = <usize>(refl(-1, w) * C) << 2;
  const xr = <usize>(refl(w, w) * C) << 2;
  const four = f64x2.splat(4.0);
  for (let y = 0; y < h; y++) {
    const row = src + <usize>y * rowBytes;
    const up = src + <usize>refl(y - 1, h) * rowBytes;
    const dn = src + <usize>refl(y + 1, h) * rowBytes;
    const o = dst + <usize>y * rowBytes;
    // interior samples i = C … rowLen − C − 1
    let i = C;
    const end = rowLen - C;
    for (; i + 4 <= end; i += 4) {
      const b = <usize>i << 2;
      const b2 = b + 8;
      const s0 = f64x2.sub(
        f64x2.add(f64x2.add(f64x2.add(lo2(up + b), lo2(dn + b)), lo2(row + b - Cb)), lo2(row + b + Cb)),
        f64x2.mul(four, lo2(row + b)),
      );
      const s1 = f64x2.sub(
        f64x2.add(f64x2.add(f64x2.add(lo2(up + b2), lo2(dn + b2)), lo2(row + b2 - Cb)), lo2(row + b2 + Cb)),
        f64x2.mul(four, lo2(row + b2)),
      );
      v128.store(o + b, pack4(s0, s1));
    }
    for (; i < end; i++) {
      const b = <usize>i << 2;
      store<f32>(o + b, lapAt(up + b, dn + b, row + b - Cb, row + b + Cb, row + b));
    }
    // first and last column (the same one when w = 1)
    for (let c = 0; c < C; c++) {
      const b = <usize>c << 2;
      const right0 = w > 1 ? Cb + b : xr + b;
      store<f32>(o + b, lapAt(up + b, dn + b, row + xl + b, row + right0, row + b));
      if (w > 1) {
        const b1 = <usize>(rowLen - C + c) << 2;
        store<f32>(o + b1, lapAt(up + b1, dn + b1, row + b1 - Cb, row + xr + b, row + b1));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// TM_CCORR_NORMED (reference: nccMap), float32 cross term
//
// I   : f32[Hw · Ww] window (+ 3 readable floats after it; their values only reach discarded lanes)
// T   : f32[Ht · Wt] template
// out : f32[Ho · Wo]
// ii  : f64[(Hw + 1) · (Ww + 1)] scratch (integral image of squares, as the reference)

// @ts-ignore: decorator
@inline function hsum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  // [Σa0, Σa1, Σa2, Σa3]
  const t0 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const t1 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
}

// @ts-ignore: decorator
@inline function nccValue(num: f64, tt: f64, e: f64): f32 {
  if (e < 0) e = 0;
  const den = Math.sqrt(tt * e);
  const a = Math.abs(num);
  let r: f64;
  if (a < den) r = num / den;
  else if (a < den * 1.125) r = num > 0 ? 1.0 : -1.0;
  else r = 0;
  return <f32>r;
}

export function nccMap(I: usize, Ww: i32, Hw: i32, T: usize, Wt: i32, Ht: i32, out: usize, ii: usize): void {
  const tt = nccPrepare(I, Ww, Hw, T, Wt, Ht, ii);
  nccRows(I, Ww, Hw, T, Wt, Ht, out, ii, tt, 0, Hw - Ht + 1);
}

/**
 * The parts of nccMap that every output row shares: returns the template energy Σt² (sequential
 * float64 as the reference) and fills ii, the window's integral image of squares (float64, built
 * exactly as the reference builds it).
 */
export function nccPrepare(I: usize, Ww: i32, Hw: i32, T: usize, Wt: i32, Ht: i32, ii: usize): f64 {
  let tt: f64 = 0;
  const nT = Wt * Ht;
  for (let i = 0; i < nT; i++) {
    const t = <f64>load<f32>(T + (<usize>i << 2));
    tt += t * t;
  }
  const W1 = Ww + 1;
  for (let x = 0; x < W1; x++) store<f64>(ii + (<usize>x << 3), 0);
  for (let y = 0; y < Hw; y++) {
    let rowSum: f64 = 0;
    const rb = I + (<usize>(y * Ww) << 2);
    const o = ii + (<usize>((y + 1) * W1) << 3);
    const prev = ii + (<usize>(y * W1) << 3);
    store<f64>(o, 0);
    for (let x = 0; x < Ww; x++) {
      const v = <f64>load<f32>(rb + (<usize>x << 2));
      rowSum += v * v;
      store<f64>(o + (<usize>(x + 1) << 3), load<f64>(prev + (<usize>(x + 1) << 3)) + rowSum);
    }
  }
  return tt;
}

/**
 * Output rows u0 … u1−1 of nccMap (float32 cross term), after nccPrepare: rows are independent, so
 * two threads on a shared memory may each compute a band (the result does not depend on the split).
 */
export function nccRows(I: usize, Ww: i32, Hw: i32, T: usize, Wt: i32, Ht: i32, out: usize, ii: usize, tt: f64, u0: i32, u1: i32): void {
  const Wo = Ww - Wt + 1;
  const W1 = Ww + 1;
  const Wt4 = Wt & ~3;
  const rowT = <usize>Wt << 2;
  const rowI = <usize>Ww << 2;
  for (let u = u0; u < u1; u++) {
    const top = ii + (<usize>(u * W1) << 3);
    const bot = ii + (<usize>((u + Ht) * W1) << 3);
    for (let v0 = 0; v0 < Wo; v0 += 4) {
      let n0 = f64x2.splat(0);
      let n1 = f64x2.splat(0);
      let tp = T;
      let ip = I + (<usize>(u * Ww + v0) << 2);
      for (let r = 0; r < Ht; r++) {
        let a0 = f32x4.splat(0);
        let a1 = f32x4.splat(0);
        let a2 = f32x4.splat(0);
        let a3 = f32x4.splat(0);
        let c = 0;
        for (; c < Wt4; c += 4) {
          const cb = <usize>c << 2;
          const t = v128.load(tp + cb);
          const q = ip + cb;
          a0 = f32x4.add(a0, f32x4.mul(t, v128.load(q)));
          a1 = f32x4.add(a1, f32x4.mul(t, v128.load(q, 4)));
          a2 = f32x4.add(a2, f32x4.mul(t, v128.load(q, 8)));
          a3 = f32x4.add(a3, f32x4.mul(t, v128.load(q, 12)));
        }
        let s = hsum4(a0, a1, a2, a3);
        for (; c < Wt; c++) {
          const cb = <usize>c << 2;
          // lane j: T[c] · I[v0 + j + c]
          s = f32x4.add(s, f32x4.mul(v128.load32_splat(tp + cb), v128.load(ip + cb)));
        }
        n0 = f64x2.add(n0, f64x2.promote_low_f32x4(s));
        n1 = f64x2.add(n1, f64x2.promote_low_f32x4(v128.shuffle<f32>(s, s, 2, 3, 2, 3)));
        tp += rowT;
        ip += rowI;
      }
      const o = out + (<usize>(u * Wo + v0) << 2);
      const m = min(4, Wo - v0);
      for (let j = 0; j < m; j++) {
        const num = j == 0 ? f64x2.extract_lane(n0, 0)
          : j == 1 ? f64x2.extract_lane(n0, 1)
          : j == 2 ? f64x2.extract_lane(n1, 0) : f64x2.extract_lane(n1, 1);
        const v = v0 + j;
        const e = load<f64>(bot + (<usize>(v + Wt) << 3)) - load<f64>(top + (<usize>(v + Wt) << 3)) -
          load<f64>(bot + (<usize>v << 3)) + load<f64>(top + (<usize>v << 3));
        store<f32>(o + (<usize>j << 2), nccValue(num, tt, e));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// TM_CCORR_NORMED with a float64 cross term (products exact, as the reference): differs from the
// reference only by the summation order of num (~1e-16 relative), so after the final rounding to
// float32 the maps are identical except for values within ~1e-16 of a float32 rounding boundary.
//
// I64 : f64[Hw · Ww + 4] scratch (window widened; the 4 extra are zeroed here)
// T64 : f64[Ht · Wt] scratch
export function nccMap64(
  I: usize, Ww: i32, Hw: i32, T: usize, Wt: i32, Ht: i32, out: usize, ii: usize, I64: usize, T64: usize,
): void {
  const Wo = Ww - Wt + 1;
  const Ho = Hw - Ht + 1;
  let tt: f64 = 0;
  const nT = Wt * Ht;
  for (let i = 0; i < nT; i++) {
    const t = <f64>load<f32>(T + (<usize>i << 2));
    store<f64>(T64 + (<usize>i << 3), t);
    tt += t * t;
  }
  const W1 = Ww + 1;
  for (let x = 0; x < W1; x++) store<f64>(ii + (<usize>x << 3), 0);
  for (let y = 0; y < Hw; y++) {
    let rowSum: f64 = 0;
    const rb = I + (<usize>(y * Ww) << 2);
    const rb64 = I64 + (<usize>(y * Ww) << 3);
    const o = ii + (<usize>((y + 1) * W1) << 3);
    const prev = ii + (<usize>(y * W1) << 3);
    store<f64>(o, 0);
    for (let x = 0; x < Ww; x++) {
      const v = <f64>load<f32>(rb + (<usize>x << 2));
      store<f64>(rb64 + (<usize>x << 3), v);
      rowSum += v * v;
      store<f64>(o + (<usize>(x + 1) << 3), load<f64>(prev + (<usize>(x + 1) << 3)) + rowSum);
    }
  }
  const nI = <usize>(Hw * Ww) << 3;
  v128.store(I64 + nI, f64x2.splat(0));
  v128.store(I64 + nI + 16, f64x2.splat(0));
  const Wt2 = Wt & ~1;
  const Wt4 = Wt & ~3;
  const rowT = <usize>Wt << 3;
  const rowI = <usize>Ww << 3;
  for (let u = 0; u < Ho; u++) {
    const top = ii + (<usize>(u * W1) << 3);
    const bot = ii + (<usize>((u + Ht) * W1) << 3);
    for (let v0 = 0; v0 < Wo; v0 += 4) {
      // four outputs; per step of four columns the two column pairs are added before they join
      // the accumulator, so each add chain advances once per step (latency, not throughput, bound)
      let a0 = f64x2.splat(0);
      let a1 = f64x2.splat(0);
      let a2 = f64x2.splat(0);
      let a3 = f64x2.splat(0);
      let tp = T64;
      let ip = I64 + (<usize>(u * Ww + v0) << 3);
      for (let r = 0; r < Ht; r++) {
        let c = 0;
        for (; c < Wt4; c += 4) {
          const cb = <usize>c << 3;
          const t = v128.load(tp + cb);
          const t2 = v128.load(tp + cb, 16);
          const q = ip + cb;
          const x2 = v128.load(q, 16);
          const x3 = v128.load(q, 24);
          a0 = f64x2.add(a0, f64x2.add(f64x2.mul(t, v128.load(q)), f64x2.mul(t2, x2)));
          a1 = f64x2.add(a1, f64x2.add(f64x2.mul(t, v128.load(q, 8)), f64x2.mul(t2, x3)));
          a2 = f64x2.add(a2, f64x2.add(f64x2.mul(t, x2), f64x2.mul(t2, v128.load(q, 32))));
          a3 = f64x2.add(a3, f64x2.add(f64x2.mul(t, x3), f64x2.mul(t2, v128.load(q, 40))));
        }
        if (c < Wt2) {
          const cb = <usize>c << 3;
          const t = v128.load(tp + cb);
          const q = ip + cb;
          a0 = f64x2.add(a0, f64x2.mul(t, v128.load(q)));
          a1 = f64x2.add(a1, f64x2.mul(t, v128.load(q, 8)));
          a2 = f64x2.add(a2, f64x2.mul(t, v128.load(q, 16)));
          a3 = f64x2.add(a3, f64x2.mul(t, v128.load(q, 24)));
          c += 2;
        }
        if (c < Wt) {
          // odd width: the last column, lane 0 only
          const cb = <usize>c << 3;
          const t = v128.load64_splat(tp + cb);
          const q = ip + cb;
          a0 = f64x2.add(a0, f64x2.mul(t, v128.load64_zero(q)));
          a1 = f64x2.add(a1, f64x2.mul(t, v128.load64_zero(q, 8)));
          a2 = f64x2.add(a2, f64x2.mul(t, v128.load64_zero(q, 16)));
          a3 = f64x2.add(a3, f64x2.mul(t, v128.load64_zero(q, 24)));
        }
        tp += rowT;
        ip += rowI;
      }
      const o = out + (<usize>(u * Wo + v0) << 2);
      const m = min(4, Wo - v0);
      for (let j = 0; j < m; j++) {
        const a = j == 0 ? a0 : j == 1 ? a1 : j == 2 ? a2 : a3;
        const num = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
        const v = v0 + j;
        const e = load<f64>(bot + (<usize>(v + Wt) << 3)) - load<f64>(top + (<usize>(v + Wt) << 3)) -
          load<f64>(bot + (<usize>v << 3)) + load<f64>(top + (<usize>v << 3));
        store<f32>(o + (<usize>j << 2), nccValue(num, tt, e));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The frame store's per-frame first pass, fused (reference: src/runtime/frame-store.ts):
//   m  = stored mono as float (8-bit samples × 256, 16-bit as they are)
//   Σb = Σ_{m > cutoff} m                         (integers: exact in any order; returned)
//   G  = quantise16(gaussianBlurF32(m, ksize))     (float32 blur as blurSep32; clamp to [0, 65535], Math.round = half up)
//   L  = min(255, roundHalfEven(|laplacian3x3(decimate2(G))| / 256))
// One sweep over the rows: each source row is widened straight into the horizontal pass's padded
// row, each output row is quantised straight into G and (even rows) decimated into the half frame,
// so m and the float blur never exist as whole frames (the same operations in the same order as
// blurSep32: bit-identical, less memory traffic).
//
// src  : u8[P] (bps = 1) or u16[P] (bps = 2), P = w · h
// fbuf : f32[w] scratch (one output row); half : f32[P2], lap : f32[P2] scratch (P2 = ⌈h/2⌉ · ⌈w/2⌉)
// g    : u16[P] out, l8 : u8[P2] out; stats : f64[2] out = ΣL, ΣL² (integers, exact)
// blur tables as for blurSep (C = 1, kx = ky)
export function firstPass(
  src: usize, bps: i32, w: i32, h: i32, thr: i32,
  kx: usize, rx: i32, xsrc: usize, ytab: usize, ring: usize, pad: usize, rowp: usize,
  fbuf: usize, g: usize, half: usize, lap: usize, l8: usize, stats: usize,
): f64 {
  firstPassRows(src, bps, w, h, thr, kx, rx, xsrc, ytab, ring, pad, rowp, fbuf, g, half, 0, h, stats);
  const sum = load<f64>(stats);
  firstPassFinish(w, h, half, lap, l8, stats);
  return sum;
}

// The first part of firstPass for output rows y0 … y1−1: G rows and the decimated rows of them
// (`half`), and Σ of the samples ≥ thr of source rows y0 … y1−1 stored (f64) at sumOut. Two threads
// may each take a band of rows (each with its own ring, pad, rowp and fbuf): the rows do not depend
// on the split, and the band sums add up to the whole frame's exactly (integers).
export function firstPassRows(
  src: usize, bps: i32, w: i32, h: i32, thr: i32,
  kx: usize, rx: i32, xsrc: usize, ytab: usize, ring: usize, pad: usize, rowp: usize,
  fbuf: usize, g: usize, half: usize, y0: i32, y1: i32, sumOut: usize,
): void {
  // thr = the smallest integer sample value above the cut-off (samples are integers, so
  // m > cutoff ⇔ m ≥ thr). Lanes sum in i32 for at most 4096 samples (< 2^31), then in i64.
  const rowBytes = <usize>w << 2;
  const ringRows = 2 * rx + 1;
  const inner = pad + (<usize>rx << 2);
  const thrV = i32x4.splat(thr);
  const half4 = f32x4.splat(0.5);
  const one4 = f32x4.splat(1);
  const w2 = (w + 1) >> 1;
  let sum: i64 = 0;
  let nextRow = max(0, y0 - rx);
  for (let y = y0; y < y1; y++) {
    // ---- widen and filter horizontally the source rows this output row needs ----
    const need = min(h - 1, y + rx);
    for (; nextRow <= need; nextRow++) {
      const own = nextRow >= y0 && nextRow < y1; // (rows of the other band are not summed here)
      const sum0 = sum;
      let k = 0;
      if (bps == 1) {
        const row = src + <usize>(nextRow * w);
        while (k + 16 <= w) {
          const end = min(w & ~15, k + 4096);
          let acc = i32x4.splat(0);
          for (; k < end; k += 16) {
            const b = v128.load(row + <usize>k);
            const lo = i16x8.extend_low_i8x16_u(b);
            const hi = i16x8.extend_high_i8x16_u(b);
            const o = inner + (<usize>k << 2);
            let x = i32x4.shl(i32x4.extend_low_i16x8_u(lo), 8);
            v128.store(o, f32x4.convert_i32x4_s(x));
            acc = i32x4.add(acc, v128.and(x, i32x4.ge_s(x, thrV)));
            x = i32x4.shl(i32x4.extend_high_i16x8_u(lo), 8);
            v128.store(o, f32x4.convert_i32x4_s(x), 16);
            acc = i32x4.add(acc, v128.and(x, i32x4.ge_s(x, thrV)));
            x = i32x4.shl(i32x4.extend_low_i16x8_u(hi), 8);
            v128.store(o, f32x4.convert_i32x4_s(x), 32);
            acc = i32x4.add(acc, v128.and(x, i32x4.ge_s(x, thrV)));
            x = i32x4.shl(i32x4.extend_high_i16x8_u(hi), 8);
            v128.store(o, f32x4.convert_i32x4_s(x), 48);
            acc = i32x4.add(acc, v128.and(x, i32x4.ge_s(x, thrV)));
          }
          sum += <i64>i32x4.extract_lane(acc, 0) + <i64>i32x4.extract_lane(acc, 1) +
            <i64>i32x4.extract_lane(acc, 2) + <i64>i32x4.extract_lane(acc, 3);
        }
        for (; k < w; k++) {
          const v = <i32>load<u8>(row + <usize>k) << 8;
          store<f32>(inner + (<usize>k << 2), <f32>v);
          if (v >= thr) sum += v;
        }
      } else {
        const row = src + (<usize>(nextRow * w) << 1);
        while (k + 8 <= w) {
          const end = min(w & ~7, k + 4096);
          let acc = i32x4.splat(0);
          for (; k < end; k += 8) {
            const b = v128.load(row + (<usize>k << 1));
            const o = inner + (<usize>k << 2);
            let x = i32x4.extend_low_i16x8_u(b);
            v128.store(o, f32x4.convert_i32x4_s(x));
            acc = i32x4.add(acc, v128.and(x, i32x4.ge_s(x, thrV)));
            x = i32x4.extend_high_i16x8_u(b);
            v128.store(o, f32x4.convert_i32x4_s(x), 16);
            acc = i32x4.add(acc, v128.and(x, i32x4.ge_s(x, thrV)));
          }
          sum += <i64>i32x4.extract_lane(acc, 0) + <i64>i32x4.extract_lane(acc, 1) +
            <i64>i32x4.extract_lane(acc, 2) + <i64>i32x4.extract_lane(acc, 3);
        }
        for (; k < w; k++) {
          const v = <i32>load<u16>(row + (<usize>k << 1));
          store<f32>(inner + (<usize>k << 2), <f32>v);
          if (v >= thr) sum += v;
        }
      }
      if (!own) sum = sum0;
      padBorders(pad, rx, 1, w, xsrc);
      hPass32(pad, ring + <usize>(nextRow % ringRows) * rowBytes, w, 1, kx, rx);
    }
    // ---- vertical pass into one float row ----
    ringRowPointers(ring, ringRows, rowBytes, ytab, rowp, y, rx);
    vPass32(ring + <usize>(y % ringRows) * rowBytes, rowp, fbuf, w, kx, rx);
    // ---- quantise16 into G: clamp to [0, 65535], Math.round (ties up). In f32, v − floor(v) is
    // exact for v ≥ 0, so floor(v) + (v − floor(v) ≥ 0.5) is Math.round; negatives, NaN (→ 0) and
    // values above 65535 are handled by the saturating conversions.
    const grow = g + (<usize>(y * w) << 1);
    let k = 0;
    for (; k + 8 <= w; k += 8) {
      const p = fbuf + (<usize>k << 2);
      const v0 = v128.load(p);
      const v1 = v128.load(p, 16);
      const f0 = f32x4.floor(v0);
      const f1 = f32x4.floor(v1);
      const r0 = f32x4.add(f0, v128.and(one4, f32x4.ge(f32x4.sub(v0, f0), half4)));
      const r1 = f32x4.add(f1, v128.and(one4, f32x4.ge(f32x4.sub(v1, f1), half4)));
      v128.store(grow + (<usize>k << 1),
        i16x8.narrow_i32x4_u(i32x4.trunc_sat_f32x4_s(r0), i32x4.trunc_sat_f32x4_s(r1)));
    }
    for (; k < w; k++) {
      const v = <f64>load<f32>(fbuf + (<usize>k << 2));
      let q: u32 = 0;
      if (v <= 0) q = 0;
      else if (v >= 65535) q = 65535;
      else if (v == v) {
        const f = Math.floor(v);
        q = <u32>(v - f >= 0.5 ? f + 1 : f); // Math.round (ties up)
      }
      store<u16>(grow + (<usize>k << 1), <u16>q);
    }
    // ---- decimate2: even rows, even columns ----
    if ((y & 1) == 0) {
      let o = half + (<usize>((y >> 1) * w2) << 2);
      for (let x = 0; x < w; x += 2) {
        store<f32>(o, <f32>load<u16>(grow + (<usize>x << 1)));
        o += 4;
      }
    }
  }
  store<f64>(sumOut, <f64>sum);
}

// The second part of firstPass (after every row of `half` is there): L and its sums into stats.
export function firstPassFinish(w: i32, h: i32, half: usize, lap: usize, l8: usize, stats: usize): void {
  const w2 = (w + 1) >> 1;
  const h2 = (h + 1) >> 1;
  laplacian(half, lap, w2, h2, 1);
  // L = min(255, roundHalfEven(|lap| / 256)): the division by 256 is exact, nearest is half-even.
  // ΣL and ΣL² on the way (Rank's statistics): i32 lanes for at most 256 blocks of 16 (a lane then
  // holds ≤ 1024 squares ≤ 255², < 2^31), then i64.
  const P2 = w2 * h2;
  const inv = f32x4.splat(1.0 / 256);
  const cap = f32x4.splat(255);
  let lsum: i64 = 0;
  let lsq: i64 = 0;
  let k = 0;
  while (k + 16 <= P2) {
    const end = min(P2 & ~15, k + 16 * 256);
    let s1 = i32x4.splat(0);
    let s2 = i32x4.splat(0);
    for (; k < end; k += 16) {
      const p = lap + (<usize>k << 2);
      const q0 = i32x4.trunc_sat_f32x4_s(f32x4.min(f32x4.nearest(f32x4.mul(f32x4.abs(v128.load(p)), inv)), cap));
      const q1 = i32x4.trunc_sat_f32x4_s(f32x4.min(f32x4.nearest(f32x4.mul(f32x4.abs(v128.load(p, 16)), inv)), cap));
      const q2 = i32x4.trunc_sat_f32x4_s(f32x4.min(f32x4.nearest(f32x4.mul(f32x4.abs(v128.load(p, 32)), inv)), cap));
      const q3 = i32x4.trunc_sat_f32x4_s(f32x4.min(f32x4.nearest(f32x4.mul(f32x4.abs(v128.load(p, 48)), inv)), cap));
      v128.store(l8 + <usize>k, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3)));
      s1 = i32x4.add(s1, i32x4.add(i32x4.add(q0, q1), i32x4.add(q2, q3)));
      s2 = i32x4.add(s2, i32x4.add(i32x4.add(i32x4.mul(q0, q0), i32x4.mul(q1, q1)), i32x4.add(i32x4.mul(q2, q2), i32x4.mul(q3, q3))));
    }
    lsum += <i64>i32x4.extract_lane(s1, 0) + <i64>i32x4.extract_lane(s1, 1) + <i64>i32x4.extract_lane(s1, 2) + <i64>i32x4.extract_lane(s1, 3);
    lsq += <i64>i32x4.extract_lane(s2, 0) + <i64>i32x4.extract_lane(s2, 1) + <i64>i32x4.extract_lane(s2, 2) + <i64>i32x4.extract_lane(s2, 3);
  }
  for (; k < P2; k++) {
    const v = Math.abs(<f64>load<f32>(lap + (<usize>k << 2))) / 256;
    let q: u32;
    if (v >= 255) q = 255;
    else {
      const f = Math.floor(v);
      const r = v - f;
      q = <u32>(r > 0.5 ? f + 1 : r < 0.5 ? f : (<u32>f & 1) == 0 ? f : f + 1);
    }
    store<u8>(l8 + <usize>k, <u8>q);
    lsum += <i64>q;
    lsq += <i64>(q * q);
  }
  store<f64>(stats, <f64>lsum);
  store<f64>(stats + 8, <f64>lsq);
}

// ---------------------------------------------------------------------------------------------
// Stack patch accumulation (reference: accumulatePatch in src/nodes/lib/stack-sample.ts)
//
// For target rows t = 0 … rows−1 and columns u = 0 … cols−1 (the valid taps, already offset by
// their `first`):
//   tmp[i]  = Σ_a yWt[t·ny + a] · src[yIdx[t·ny + a] · rowLen + xs0·C + i]   (i < span, taps with
//             weight 0 skipped, summed in tap order from 0, float64)
//   s       = Σ_b xWt[u·nx + b] · tmp[xOff[u·nx + b] + c]                     (float64, tap order)
//   acc[t · accStride + u·C + c] += scale · min(wy[t], wx[u]) · s          (float64, then f32)
// exactly the float64 operations of the TypeScript reference in the same order (bit-identical).
//
// src   : f32 frame (rowLen = W·C floats per row)
// yIdx  : i32[rows · ny] frame rows      yWt : f32[rows · ny]
// xOff  : i32[cols · nx] (idx − xs0)·C   xWt : f32[cols · nx]
// wy    : f32[rows] or 0 (weights 1)     wx  : f32[cols] or 0
// acc   : f32, row stride accStride floats; the target (t, u, c) is at acc + (t·accStride + u·C + c)·4
// tmp   : f64[span] scratch
export function stackAccumulate(
  src: usize, rowLen: i32, C: i32,
  yIdx: usize, yWt: usize, ny: i32, rows: i32,
  xOff: usize, xWt: usize, nx: i32, cols: i32,
  xs0: i32, span: i32,
  wy: usize, wx: usize, scale: f64,
  acc: usize, accStride: i32, tmp: usize, xs: usize,
): void {
  stackAccumulateFrom<f32>(src, 1, rowLen, C, yIdx, yWt, ny, rows, xOff, xWt, nx, cols, xs0, span, wy, wx, scale, acc, accStride, tmp, xs);
}

// Two samples of the frame at p as f64x2: f32 widened, or stored u16/u8 samples · S (exact: the
// frame store's scales 1 and 256 keep every sample an integer below 2^24, as its float frame holds it).
// @ts-ignore: decorator
@inline function src2<T>(p: usize, S: v128): v128 {
  if (sizeof<T>() == 4) return lo2(p);
  if (sizeof<T>() == 2) return f64x2.mul(f64x2.convert_low_i32x4_u(i32x4.extend_low_i16x8_u(v128.load32_zero(p))), S);
  return f64x2.mul(f64x2.convert_low_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load16_splat(p)))), S);
}

// One sample of the frame at p (as src2).
// @ts-ignore: decorator
@inline function src1<T>(p: usize, s: f64): f64 {
  if (sizeof<T>() == 4) return <f64>load<f32>(p);
  return <f64>load<T>(p) * s;
}

// stackAccumulate on a frame of samples T (f32: the float frame; u16/u8: stored samples, the float
// frame being sample · sscale): the same float64 operations on the same values.
// @ts-ignore: decorator
@inline function stackAccumulateFrom<T>(
  src: usize, sscale: f64, rowLen: i32, C: i32,
  yIdx: usize, yWt: usize, ny: i32, rows: i32,
  xOff: usize, xWt: usize, nx: i32, cols: i32,
  xs0: i32, span: i32,
  wy: usize, wx: usize, scale: f64,
  acc: usize, accStride: i32, tmp: usize, xs: usize,
): void {
  const sh = <usize>alignof<T>();
  const S = f64x2.splat(sscale);
  const span2 = span & ~1;
  const colBase = <usize>(xs0 * C) << sh;
  // Mono cubic: x taps as f64, two columns per f64x2 (xs: f64[cols · 4 + 8] lane-interleaved
  // per column pair, then f64[cols] x weights); xOff becomes the tmp addresses.
  const pair = C == 1 && nx == 4;
  const wx64 = xs + (<usize>(cols * 4 + 8) << 3);
  if (pair) {
    for (let u = 0; u < cols; u++) {
      const pbase = xs + (<usize>((u >> 1) * 8 + (u & 1)) << 3);
      for (let b = 0; b < 4; b++) {
        const q = <usize>(u * 4 + b) << 2;
        store<f64>(pbase + (<usize>b << 4), <f64>load<f32>(xWt + q));
        store<u32>(xOff + q, <u32>(tmp + (<usize>load<i32>(xOff + q) << 3)));
      }
      store<f64>(wx64 + (<usize>u << 3), wx ? <f64>load<f32>(wx + (<usize>u << 2)) : 1.0);
    }
  }
  for (let t = 0; t < rows; t++) {
    // ---- y pass into tmp (f64x2, each lane the reference's scalar operations) ----
    if (ny == 4) {
      const q = <usize>(t * 4) << 2;
      const w0 = <f64>load<f32>(yWt + q);
      const w1 = <f64>load<f32>(yWt + q + 4);
      const w2 = <f64>load<f32>(yWt + q + 8);
      const w3 = <f64>load<f32>(yWt + q + 12);
      if (w0 != 0 && w1 != 0 && w2 != 0 && w3 != 0) {
        // all four taps: one fused pass, ((((0 + w0·a) + w1·b) + w2·c) + w3·d) like the reference
        const r0 = src + (<usize>load<i32>(yIdx + q) * <usize>rowLen << sh) + colBase;
        const r1 = src + (<usize>load<i32>(yIdx + q + 4) * <usize>rowLen << sh) + colBase;
        const r2 = src + (<usize>load<i32>(yIdx + q + 8) * <usize>rowLen << sh) + colBase;
        const r3 = src + (<usize>load<i32>(yIdx + q + 12) * <usize>rowLen << sh) + colBase;
        const v0 = f64x2.splat(w0);
        const v1 = f64x2.splat(w1);
        const v2 = f64x2.splat(w2);
        const v3 = f64x2.splat(w3);
        const zero = f64x2.splat(0);
        let i = 0;
        for (; i < span2; i += 2) {
          const o = <usize>i << sh;
          let v = f64x2.add(zero, f64x2.mul(v0, src2<T>(r0 + o, S)));
          v = f64x2.add(v, f64x2.mul(v1, src2<T>(r1 + o, S)));
          v = f64x2.add(v, f64x2.mul(v2, src2<T>(r2 + o, S)));
          v = f64x2.add(v, f64x2.mul(v3, src2<T>(r3 + o, S)));
          v128.store(tmp + (<usize>i << 3), v);
        }
        for (; i < span; i++) {
          const o = <usize>i << sh;
          let v: f64 = 0;
          v += w0 * src1<T>(r0 + o, sscale);
          v += w1 * src1<T>(r1 + o, sscale);
          v += w2 * src1<T>(r2 + o, sscale);
          v += w3 * src1<T>(r3 + o, sscale);
          store<f64>(tmp + (<usize>i << 3), v);
        }
        if (pair) stackRowPairs(xOff, xs, wx64, cols, wy, t, scale, acc + (<usize>(t * accStride) << 2));
        else stackRowX(tmp, C, xOff, xWt, nx, cols, wy, wx, t, scale, acc + (<usize>(t * accStride) << 2));
        continue;
      }
    }
    memory.fill(tmp, 0, <usize>span << 3);
    for (let a = 0; a < ny; a++) {
      const q = <usize>(t * ny + a) << 2;
      const w = <f64>load<f32>(yWt + q);
      if (w == 0) continue;
      const rb = src + (<usize>load<i32>(yIdx + q) * <usize>rowLen << sh) + colBase;
      const wv = f64x2.splat(w);
      let i = 0;
      for (; i < span2; i += 2) {
        const tp = tmp + (<usize>i << 3);
        v128.store(tp, f64x2.add(v128.load(tp), f64x2.mul(wv, src2<T>(rb + (<usize>i << sh), S))));
      }
      for (; i < span; i++) {
        const tp = tmp + (<usize>i << 3);
        store<f64>(tp, load<f64>(tp) + w * src1<T>(rb + (<usize>i << sh), sscale));
      }
    }
    if (pair) stackRowPairs(xOff, xs, wx64, cols, wy, t, scale, acc + (<usize>(t * accStride) << 2));
    else stackRowX(tmp, C, xOff, xWt, nx, cols, wy, wx, t, scale, acc + (<usize>(t * accStride) << 2));
  }
}

// x pass of one row, mono, 4 taps, two columns per f64x2 (same scalar operations per lane):
// s = (((0 + w0·a) + w1·b) + w2·c) + w3·d, w = scale · (wy < wx ? wy : wx), acc = f32(acc + w·s).
// @ts-ignore: decorator
@inline function stackRowPairs(
  addr: usize, xw: usize, wx64: usize, cols: i32, wy: usize, t: i32, scale: f64, ob: usize,
): void {
  const wyt: f64 = wy ? <f64>load<f32>(wy + (<usize>t << 2)) : 1.0;
  const wytv = f64x2.splat(wyt);
  const sv = f64x2.splat(scale);
  const zero = f64x2.splat(0);
  let u = 0;
  for (; u + 1 < cols; u += 2) {
    const a = addr + (<usize>u << 4); // 4 taps × 4 bytes per column
    const w = xw + (<usize>u << 5); // 4 taps × 2 lanes × 8 bytes per pair
    let s = zero;
    s = f64x2.add(s, f64x2.mul(v128.load(w), v128.load64_lane(<usize>load<u32>(a + 16), v128.load64_zero(<usize>load<u32>(a)), 1)));
    s = f64x2.add(s, f64x2.mul(v128.load(w + 16), v128.load64_lane(<usize>load<u32>(a + 20), v128.load64_zero(<usize>load<u32>(a + 4)), 1)));
    s = f64x2.add(s, f64x2.mul(v128.load(w + 32), v128.load64_lane(<usize>load<u32>(a + 24), v128.load64_zero(<usize>load<u32>(a + 8)), 1)));
    s = f64x2.add(s, f64x2.mul(v128.load(w + 48), v128.load64_lane(<usize>load<u32>(a + 28), v128.load64_zero(<usize>load<u32>(a + 12)), 1)));
    const wv = f64x2.mul(sv, f64x2.pmin(v128.load(wx64 + (<usize>u << 3)), wytv));
    const o = ob + (<usize>u << 2);
    const r = f64x2.add(lo2(o), f64x2.mul(wv, s));
    v128.store64_lane(o, f32x4.demote_f64x2_zero(r), 0);
  }
  if (u < cols) {
    const a = addr + (<usize>u << 4);
    const w = xw + (<usize>u << 5);
    const wxu = load<f64>(wx64 + (<usize>u << 3));
    const ws = scale * (wyt < wxu ? wyt : wxu);
    let s: f64 = 0;
    s += load<f64>(w) * load<f64>(<usize>load<u32>(a));
    s += load<f64>(w + 16) * load<f64>(<usize>load<u32>(a + 4));
    s += load<f64>(w + 32) * load<f64>(<usize>load<u32>(a + 8));
    s += load<f64>(w + 48) * load<f64>(<usize>load<u32>(a + 12));
    const o = ob + (<usize>u << 2);
    store<f32>(o, <f32>(<f64>load<f32>(o) + ws * s));
  }
}

// x pass of one target row t and the weighted add into the accumulator row `ob`.
// @ts-ignore: decorator
@inline function stackRowX(
  tmp: usize, C: i32, xOff: usize, xWt: usize, nx: i32, cols: i32,
  wy: usize, wx: usize, t: i32, scale: f64, ob: usize,
): void {
  const wyt: f64 = wy ? <f64>load<f32>(wy + (<usize>t << 2)) : 1.0;
  if (C == 1 && nx == 4) {
    for (let u = 0; u < cols; u++) {
      const wxu: f64 = wx ? <f64>load<f32>(wx + (<usize>u << 2)) : 1.0;
      const w = scale * (wyt < wxu ? wyt : wxu);
      const q = <usize>(u << 2) << 2;
      let s: f64 = 0;
      s += <f64>load<f32>(xWt + q) * load<f64>(tmp + (<usize>load<i32>(xOff + q) << 3));
      s += <f64>load<f32>(xWt + q + 4) * load<f64>(tmp + (<usize>load<i32>(xOff + q + 4) << 3));
      s += <f64>load<f32>(xWt + q + 8) * load<f64>(tmp + (<usize>load<i32>(xOff + q + 8) << 3));
      s += <f64>load<f32>(xWt + q + 12) * load<f64>(tmp + (<usize>load<i32>(xOff + q + 12) << 3));
      const o = ob + (<usize>u << 2);
      store<f32>(o, <f32>(<f64>load<f32>(o) + w * s));
    }
  } else if (C == 3) {
    // colour: channels 0 and 1 in one f64x2 (adjacent in tmp and acc), channel 2 scalar; the taps'
    // weights and offsets loaded once per column (same operations per channel as below)
    const zero = f64x2.splat(0);
    for (let u = 0; u < cols; u++) {
      const wxu: f64 = wx ? <f64>load<f32>(wx + (<usize>u << 2)) : 1.0;
      const w = scale * (wyt < wxu ? wyt : wxu);
      const q = <usize>(u * nx);
      let s01 = zero;
      let s2: f64 = 0;
      for (let b = 0; b < nx; b++) {
        const qb = (q + <usize>b) << 2;
        const wb = <f64>load<f32>(xWt + qb);
        const tb = tmp + (<usize>load<i32>(xOff + qb) << 3);
        s01 = f64x2.add(s01, f64x2.mul(f64x2.splat(wb), v128.load(tb)));
        s2 += wb * load<f64>(tb, 16);
      }
      const o = ob + (<usize>(u * 3) << 2);
      v128.store64_lane(o, f32x4.demote_f64x2_zero(f64x2.add(lo2(o), f64x2.mul(f64x2.splat(w), s01))), 0);
      store<f32>(o, <f32>(<f64>load<f32>(o, 8) + w * s2), 8);
    }
  } else {
    for (let u = 0; u < cols; u++) {
      const wxu: f64 = wx ? <f64>load<f32>(wx + (<usize>u << 2)) : 1.0;
      const w = scale * (wyt < wxu ? wyt : wxu);
      const q = <usize>(u * nx);
      const o = ob + (<usize>(u * C) << 2);
      for (let c = 0; c < C; c++) {
        let s: f64 = 0;
        for (let b = 0; b < nx; b++) {
          const qb = (q + <usize>b) << 2;
          s += <f64>load<f32>(xWt + qb) * load<f64>(tmp + (<usize>(load<i32>(xOff + qb) + c) << 3));
        }
        const oc = o + (<usize>c << 2);
        store<f32>(oc, <f32>(<f64>load<f32>(oc) + w * s));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// widenToF32: dst[k] = f32(src[k]) · scale for n samples of u8 (bytes 1) or u16 (bytes 2): the
// frame store's stored samples as the float frame the Stack accumulation reads (exact for u8 · 256
// and u16 · 1, as the TypeScript conversion). dst must not overlap src.
export function widenToF32(src: usize, dst: usize, n: i32, bytes: i32, scale: f32): void {
  const s = f32x4.splat(scale);
  let k = 0;
  if (bytes == 1) {
    for (; k + 16 <= n; k += 16) {
      const v = v128.load(src + <usize>k);
      const lo = i16x8.extend_low_i8x16_u(v);
      const hi = i16x8.extend_high_i8x16_u(v);
      const o = dst + (<usize>k << 2);
      v128.store(o, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), s));
      v128.store(o + 16, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), s));
      v128.store(o + 32, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), s));
      v128.store(o + 48, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), s));
    }
    for (; k < n; k++) store<f32>(dst + (<usize>k << 2), <f32>load<u8>(src + <usize>k) * scale);
  } else {
    for (; k + 8 <= n; k += 8) {
      const v = v128.load(src + (<usize>k << 1));
      const o = dst + (<usize>k << 2);
      v128.store(o, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(v)), s));
      v128.store(o + 16, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(v)), s));
    }
    for (; k < n; k++) store<f32>(dst + (<usize>k << 2), <f32>load<u16>(src + (<usize>k << 1)) * scale);
  }
}

// ---------------------------------------------------------------------------------------------
// dst[r · cols + c] = src[r · srcStride + c · step] widened to f32 (u16 samples; correlateWindow's
// phase-1 window after the JavaScript side has copied every step-th row of it here)
export function gatherU16(src: usize, srcStride: i32, rows: i32, cols: i32, step: i32, dst: usize): void {
  let o = dst;
  for (let r = 0; r < rows; r++) {
    const rb = src + (<usize>(r * srcStride) << 1);
    for (let c = 0; c < cols; c++) {
      store<f32>(o, <f32>load<u16>(rb + (<usize>(c * step) << 1)));
      o += 4;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Σv and Σv² of 8-bit samples over n rectangles (LocalRank's statistics of L per AP patch)
//   rects : i32[4n] = y0, y1, x0, x1 (half-open, inside the w-wide plane)
//   out   : f64[2n] = Σv, Σv² per rectangle (integers, exact)
// i32 lanes: a lane sums ≤ 1/4 of a row segment per row, flushed to i64 after every row of at most
// 4096 samples (≤ 1024·255² < 2^31 per lane).
export function rectSums8(src: usize, w: i32, rects: usize, n: i32, out: usize): void {
  for (let r = 0; r < n; r++) {
    const y0 = load<i32>(rects + (<usize>(4 * r) << 2));
    const y1 = load<i32>(rects + (<usize>(4 * r + 1) << 2));
    const x0 = load<i32>(rects + (<usize>(4 * r + 2) << 2));
    const x1 = load<i32>(rects + (<usize>(4 * r + 3) << 2));
    let s: i64 = 0;
    let q: i64 = 0;
    for (let y = y0; y < y1; y++) {
      const row = src + <usize>(y * w);
      let x = x0;
      while (x + 16 <= x1) {
        const end = min(x1 - 16, x + 4096 - 16);
        let a1 = i32x4.splat(0);
        let a2 = i32x4.splat(0);
        for (; x <= end; x += 16) {
          const b = v128.load(row + <usize>x);
          const lo = i16x8.extend_low_i8x16_u(b);
          const hi = i16x8.extend_high_i8x16_u(b);
          a1 = i32x4.add(a1, i32x4.add(i32x4.extadd_pairwise_i16x8_u(lo), i32x4.extadd_pairwise_i16x8_u(hi)));
          a2 = i32x4.add(a2, i32x4.add(i32x4.dot_i16x8_s(lo, lo), i32x4.dot_i16x8_s(hi, hi)));
        }
        s += <i64>i32x4.extract_lane(a1, 0) + <i64>i32x4.extract_lane(a1, 1) + <i64>i32x4.extract_lane(a1, 2) + <i64>i32x4.extract_lane(a1, 3);
        q += <i64>i32x4.extract_lane(a2, 0) + <i64>i32x4.extract_lane(a2, 1) + <i64>i32x4.extract_lane(a2, 2) + <i64>i32x4.extract_lane(a2, 3);
      }
      for (; x < x1; x++) {
        const v = <i64>load<u8>(row + <usize>x);
        s += v;
        q += v * v;
      }
    }
    store<f64>(out + (<usize>(2 * r) << 3), <f64>s);
    store<f64>(out + (<usize>(2 * r + 1) << 3), <f64>q);
  }
}

// ---------------------------------------------------------------------------------------------
// mlcFrame: the two-phase multilevel correlation (src/nodes/lib/mlc.ts `mlc`) of n alignment points
// in one frame, in one call (the Shift node). Each phase is the same sequence of kernels as
// correlateWindow (gather, blurSep for phase 1, nccPrepare + nccRows), followed by the phase-1
// weights (f32 products), the first maximum, the rim tests and the §10.3 paraboloid (float64, the
// reference's operations in its order), so every result is bit-identical with mlc() on the wasm
// correlateWindow.
//
// aps    : i32[13 · A] per AP: y0, y1, x0, x1 (box, reference coordinates), T1, Wt1, Ht1 (refHalf),
//          T2, Wt2, Ht2 (refFull), kp, xsrc, ytab (the phase-1 window's blur tables)
// params : i32[8] s1, e (= 2·s1), n1 (= 2·s1 + 1), weights (f32[n1²] or 0), subpixel (0/1), r (blur radius)
// G      : u16 rows gy0 … of a W-wide, H-high frame (the rows the windows need)
// jobs   : i32[n] AP indices; the boxes move by (dy, dx) (the frame's rounded global offset)
// out    : f64[5 · n] status (0 ok, 1 rim1, 2 bounds1, 3 rim2, 4 bounds2), sh1y, sh1x, sh2y, sh2x
// scratch: i32[8] pointers: win, I, ii, map, ring, pad, rowp (sized for the largest window)
export function mlcFrame(
  aps: usize, params: usize, G: usize, gy0: i32, W: i32, H: i32,
  jobs: usize, n: i32, dy: i32, dx: i32, out: usize, scratch: usize,
): void {
  const s1 = load<i32>(params);
  const e = load<i32>(params, 4);
  const n1 = load<i32>(params, 8);
  const wts = <usize>load<i32>(params, 12);
  const subpixel = load<i32>(params, 16);
  const br = load<i32>(params, 20);
  const win = <usize>load<i32>(scratch);
  const I = <usize>load<i32>(scratch, 4);
  const ii = <usize>load<i32>(scratch, 8);
  const map = <usize>load<i32>(scratch, 12);
  const ring = <usize>load<i32>(scratch, 16);
  const pad = <usize>load<i32>(scratch, 20);
  const rowp = <usize>load<i32>(scratch, 24);
  const R2: i32 = 4; // MLC_PHASE2_RADIUS
  for (let j = 0; j < n; j++) {
    const rec = aps + (<usize>(13 * load<i32>(jobs + (<usize>j << 2))) << 2);
    const y0 = load<i32>(rec) + dy;
    const y1 = load<i32>(rec, 4) + dy;
    const x0 = load<i32>(rec, 8) + dx;
    const x1 = load<i32>(rec, 12) + dx;
    const o = out + (<usize>(5 * j) << 3);
    store<f64>(o, 0); store<f64>(o, 0, 8); store<f64>(o, 0, 16); store<f64>(o, 0, 24); store<f64>(o, 0, 32);
    if (s1 <= 0) { store<f64>(o, 1); continue; }
    // ---- phase 1: G[y0−e : y1+e : 2, x0−e : x1+e : 2], blurred, vs refHalf ----
    if (y0 - e < 0 || x0 - e < 0 || y1 + e > H || x1 + e > W) { store<f64>(o, 2); continue; }
    const Ww = (x1 - x0 + 2 * e + 1) >> 1;
    const Hw = (y1 - y0 + 2 * e + 1) >> 1;
    let p = win;
    for (let r = 0; r < Hw; r++) {
      const rb = G + (<usize>((y0 - e + 2 * r - gy0) * W + x0 - e) << 1);
      for (let c = 0; c < Ww; c++) {
        store<f32>(p, <f32>load<u16>(rb + (<usize>c << 2)));
        p += 4;
      }
    }
    const kp = <usize>load<i32>(rec, 40);
    blurSep(win, I, Ww, Hw, 1, kp, br, kp, br, <usize>load<i32>(rec, 44), <usize>load<i32>(rec, 48), ring, pad, rowp);
    const T1 = <usize>load<i32>(rec, 16);
    const Wt1 = load<i32>(rec, 20);
    const Ht1 = load<i32>(rec, 24);
    const tt1 = nccPrepare(I, Ww, Hw, T1, Wt1, Ht1, ii);
    nccRows(I, Ww, Hw, T1, Wt1, Ht1, map, ii, tt1, 0, Hw - Ht1 + 1);
    const m1 = firstMax(map, n1 * n1, wts);
    const sh1y = 2 * (s1 - m1 / n1);
    const sh1x = 2 * (s1 - m1 % n1);
    if (abs(sh1y) == e || abs(sh1x) == e) { store<f64>(o, 1); continue; }
    store<f64>(o, <f64>sh1y, 8);
    store<f64>(o, <f64>sh1x, 16);
    // ---- phase 2: full resolution, ±4 around the phase-1 result, vs refFull ----
    const wy0 = y0 - sh1y - R2;
    const wy1 = y1 - sh1y + R2;
    const wx0 = x0 - sh1x - R2;
    const wx1 = x1 - sh1x + R2;
    if (wy0 < 0 || wx0 < 0 || wy1 > H || wx1 > W) { store<f64>(o, 4); continue; }
    const Ww2 = wx1 - wx0;
    const Hw2 = wy1 - wy0;
    p = win;
    for (let r = 0; r < Hw2; r++) {
      const rb = G + (<usize>((wy0 + r - gy0) * W + wx0) << 1);
      for (let c = 0; c < Ww2; c++) {
        store<f32>(p, <f32>load<u16>(rb + (<usize>c << 1)));
        p += 4;
      }
    }
    const T2 = <usize>load<i32>(rec, 28);
    const Wt2 = load<i32>(rec, 32);
    const Ht2 = load<i32>(rec, 36);
    const tt2 = nccPrepare(win, Ww2, Hw2, T2, Wt2, Ht2, ii);
    const Wo2 = Ww2 - Wt2 + 1;
    const Ho2 = Hw2 - Ht2 + 1;
    nccRows(win, Ww2, Hw2, T2, Wt2, Ht2, map, ii, tt2, 0, Ho2);
    const m2 = firstMax(map, Wo2 * Ho2, 0);
    const m2y = m2 / Wo2;
    const m2x = m2 % Wo2;
    const s2y = R2 - m2y;
    const s2x = R2 - m2x;
    if (abs(s2y) == R2 || abs(s2x) == R2) { store<f64>(o, 3); continue; }
    let sh2y = <f64>s2y;
    let sh2x = <f64>s2x;
    if (subpixel) {
      // subpixelParaboloid (src/image/subpixel.ts) on the 3×3 block around the maximum
      let a: f64 = 0, b: f64 = 0, c: f64 = 0, d: f64 = 0, q: f64 = 0;
      for (let yy = -1; yy <= 1; yy++) {
        for (let xx = -1; xx <= 1; xx++) {
          const f = <f64>load<f32>(map + (<usize>((m2y + yy) * Wo2 + m2x + xx) << 2));
          a += f * <f64>(3 * xx * xx - 2);
          b += f * <f64>(3 * yy * yy - 2);
          c += f * <f64>xx * <f64>yy;
          d += f * <f64>xx;
          q += f * <f64>yy;
        }
      }
      a /= 6; b /= 6; c /= 4; d /= 6; q /= 6;
      const det = c * c - 4 * a * b;
      if (Math.abs(det) > 1e-10) {
        const cy = (2 * a * q - c * d) / det;
        let cx: f64 = NaN;
        let have = true;
        if (Math.abs(a) > 1e-10) cx = -(c * cy + d) / (2 * a);
        else if (Math.abs(c) > 1e-10) cx = -(2 * b * cy + q) / c;
        else have = false;
        if (have && isFinite(cy) && isFinite(cx) && Math.abs(cy) <= 1 && Math.abs(cx) <= 1) {
          sh2y -= cy;
          sh2x -= cx;
        }
      }
    }
    store<f64>(o, sh2y, 24);
    store<f64>(o, sh2x, 32);
  }
}

// Index of the first maximum of m[0 … len) (times the f32 weights w when w ≠ 0), NaNs skipped, as
// argmax (src/image/match.ts); 0 when every value is NaN.
// @ts-ignore: decorator
@inline function firstMax(m: usize, len: i32, w: usize): i32 {
  let best: f32 = -Infinity;
  let bi = -1;
  for (let i = 0; i < len; i++) {
    let v = load<f32>(m + (<usize>i << 2));
    if (w) v = v * load<f32>(w + (<usize>i << 2));
    if (v > best || (bi < 0 && v == v)) {
      best = v;
      bi = i;
    }
  }
  return bi < 0 ? 0 : bi;
}

// ---------------------------------------------------------------------------------------------
// stackWeights: the Stack node's Σω (src/nodes/lib/stack-weights.ts, reference rampWeightSum):
//   ws[Y, X] = 1e−30, then for every patch  ws[Y, X] = f32(ws + K · min(wy[Y − y0], wx[X − x0]))
// (float64 product and sum, rounded to float32 per patch: the reference's operations), then the
// statistics of the result: counts[0] = #(ws < 1e−10) (holes), counts[1] = #(ws < lim), and
// tiles[(Y / tile) · tilesX + X / tile] = 1 where some ws < lim.
//   recs : i32[6 · n] y0, y1, x0, x1 (drizzled, half-open), wy (f32[y1 − y0]), wx (f32[x1 − x0])
export function stackWeights(
  ws: usize, wD: i32, hD: i32, recs: usize, n: i32, K: f64, lim: f64, tile: i32, tilesX: i32, tiles: usize, counts: usize,
): void {
  const N = wD * hD;
  const init: f32 = 1e-30;
  for (let p = 0; p < N; p++) store<f32>(ws + (<usize>p << 2), init);
  const Kv = f64x2.splat(K);
  for (let r = 0; r < n; r++) {
    const q = recs + (<usize>(6 * r) << 2);
    const y0 = load<i32>(q);
    const y1 = load<i32>(q, 4);
    const x0 = load<i32>(q, 8);
    const x1 = load<i32>(q, 12);
    const wy = <usize>load<i32>(q, 16);
    const wx = <usize>load<i32>(q, 20);
    const cols = x1 - x0;
    for (let Y = y0; Y < y1; Y++) {
      const a = load<f32>(wy + (<usize>(Y - y0) << 2));
      const av = f32x4.splat(a);
      const row = ws + (<usize>(Y * wD + x0) << 2);
      let u = 0;
      for (; u + 4 <= cols; u += 4) {
        const p = row + (<usize>u << 2);
        const b = v128.load(wx + (<usize>u << 2));
        // min(a, b) as the reference's (a < b ? a : b): b unless a < b
        const mn = v128.bitselect(av, b, f32x4.lt(av, b));
        const s = v128.load(p);
        const lo = f64x2.add(f64x2.promote_low_f32x4(s), f64x2.mul(Kv, f64x2.promote_low_f32x4(mn)));
        const hi = f64x2.add(
          f64x2.promote_low_f32x4(v128.shuffle<f32>(s, s, 2, 3, 2, 3)),
          f64x2.mul(Kv, f64x2.promote_low_f32x4(v128.shuffle<f32>(mn, mn, 2, 3, 2, 3))),
        );
        v128.store(p, v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
      }
      for (; u < cols; u++) {
        const p = row + (<usize>u << 2);
        const b = load<f32>(wx + (<usize>u << 2));
        store<f32>(p, <f32>(<f64>load<f32>(p) + K * <f64>(a < b ? a : b)));
      }
    }
  }
  let holes = 0;
  let below = 0;
  for (let Y = 0; Y < hD; Y++) {
    const row = ws + (<usize>(Y * wD) << 2);
    const trow = tiles + <usize>((Y / tile) * tilesX);
    for (let X = 0; X < wD; X++) {
      const v = <f64>load<f32>(row + (<usize>X << 2));
      if (v < lim) {
        below++;
        store<u8>(trow + <usize>(X / tile), 1);
      }
      if (v < 1e-10) holes++;
    }
  }
  store<i32>(counts, holes);
  store<i32>(counts, below, 4);
}

// ---------------------------------------------------------------------------------------------
// quantizeU16: dst[k] = v > 0 ? min(round_half_even(v), 65535) : 0 for v = src[k] (NaN → 0): what
// storing into uint16 does (reference: quantizeU16 in src/image/pointwise.ts). f32x4.nearest rounds
// ties to even; values ≥ 65535 round to ≥ 65535 and are clamped. dst may be src (in place).
export function quantizeU16(src: usize, dst: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const top = f32x4.splat(65535);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const v = v128.load(src + (<usize>k << 2));
    const r = f32x4.min(f32x4.nearest(v), top);
    v128.store(dst + (<usize>k << 2), v128.bitselect(r, zero, f32x4.gt(v, zero)));
  }
  for (; k < n; k++) {
    const v = load<f32>(src + (<usize>k << 2));
    store<f32>(dst + (<usize>k << 2), v > 0 ? min<f32>(nearest<f32>(v), 65535) : 0);
  }
}

// ---------------------------------------------------------------------------------------------
// accumulateShiftedStored: acc[y, x] += shifted(y0 + y, x0 + x) for the w×h window, the frame given
// as stored 8/16-bit samples (value = sample · scale): the Mean node's sub-pixel accumulation
// (reference: accumulateShiftedWindow in src/image/resample.ts on the widened frame, with one or two
// taps per column and per row). Same float64 sums and float32 roundings:
//   row(r)[x] = f32(0 + xw0·F[r, xi0] (+ xw1·F[r, xi1])),  acc += f32(yw0·row(ra) + yw1·row(rb))  (or += row(ra))
// xi : i32[2w] source columns (xi1 = −1: one tap), xw : f64[2w]; yi : i32[2h] source rows (yi1 = −1: one
// tap of weight 1), yw : f64[2h]
// rows : f32[3w] scratch (a cache of two filtered rows)
export function accumulateShiftedStored(
  src: usize, bytes: i32, scale: f64, W: i32, acc: usize, w: i32, h: i32,
  xi: usize, xw: usize, yi: usize, yw: usize, rows: usize,
): void {
  let rowA = -1;
  let rowB = -1;
  const bufA = rows;
  const bufB = rows + (<usize>w << 2);
  for (let y = 0; y < h; y++) {
    const r0 = load<i32>(yi + (<usize>(2 * y) << 2));
    const r1 = load<i32>(yi + (<usize>(2 * y + 1) << 2));
    // filtered rows r0 and r1 (reusing the previous row's)
    let a: usize, b: usize = 0;
    if (r0 == rowA) a = bufA;
    else if (r0 == rowB) a = bufB;
    else {
      a = r1 >= 0 && r1 == rowA ? bufB : bufA; // do not overwrite the row r1 needs
      filterStoredRow(src, bytes, scale, W, r0, xi, xw, w, a);
      if (a == bufA) rowA = r0; else rowB = r0;
    }
    if (r1 >= 0) {
      if (r1 == rowA) b = bufA;
      else if (r1 == rowB) b = bufB;
      else {
        b = a == bufA ? bufB : bufA;
        filterStoredRow(src, bytes, scale, W, r1, xi, xw, w, b);
        if (b == bufA) rowA = r1; else rowB = r1;
      }
    }
    const ob = acc + (<usize>(y * w) << 2);
    if (r1 < 0) {
      for (let x = 0; x < w; x++) {
        const o = ob + (<usize>x << 2);
        store<f32>(o, load<f32>(o) + load<f32>(a + (<usize>x << 2)));
      }
    } else {
      const w0 = load<f64>(yw + (<usize>(2 * y) << 3));
      const w1 = load<f64>(yw + (<usize>(2 * y + 1) << 3));
      for (let x = 0; x < w; x++) {
        const o = ob + (<usize>x << 2);
        const s = <f32>(w0 * <f64>load<f32>(a + (<usize>x << 2)) + w1 * <f64>load<f32>(b + (<usize>x << 2)));
        store<f32>(o, load<f32>(o) + s);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function filterStoredRow(src: usize, bytes: i32, scale: f64, W: i32, r: i32, xi: usize, xw: usize, w: i32, out: usize): void {
  for (let x = 0; x < w; x++) {
    const i0 = load<i32>(xi + (<usize>(2 * x) << 2));
    const i1 = load<i32>(xi + (<usize>(2 * x + 1) << 2));
    let v0: f64, v1: f64 = 0;
    if (bytes == 1) {
      v0 = <f64>load<u8>(src + <usize>(r * W + i0)) * scale;
      if (i1 >= 0) v1 = <f64>load<u8>(src + <usize>(r * W + i1)) * scale;
    } else {
      v0 = <f64>load<u16>(src + (<usize>(r * W + i0) << 1)) * scale;
      if (i1 >= 0) v1 = <f64>load<u16>(src + (<usize>(r * W + i1) << 1)) * scale;
    }
    const s0: f64 = 0 + load<f64>(xw + (<usize>(2 * x) << 3)) * v0;
    store<f32>(out + (<usize>x << 2), <f32>(i1 >= 0 ? s0 + load<f64>(xw + (<usize>(2 * x + 1) << 3)) * v1 : s0));
  }
}

// ---------------------------------------------------------------------------------------------
// pngUp16: the PNG scanlines of a 16-bit image (reference: pngScanlinesUp16 in src/image/scanlines.ts):
// per row a filter byte (0 for the first row, 2 "Up" after it) and the big-endian sample bytes minus
// the bytes above. src: f32 samples (quantised: v ≥ 65535 → 65535, v > 0 → trunc(v + 0.5) in float64,
// else 0) when isFloat, else u16 samples; q: u16[row · rows] scratch (the quantised samples).
export function pngUp16(src: usize, isFloat: i32, row: i32, rows: i32, q: usize, dst: usize): void {
  const n = row * rows;
  if (isFloat) {
    for (let i = 0; i < n; i++) {
      const v = <f64>load<f32>(src + (<usize>i << 2));
      store<u16>(q + (<usize>i << 1), v >= 65535 ? 65535 : v > 0 ? <u16><i32>(v + 0.5) : 0);
    }
  } else if (q != src) {
    memory.copy(q, src, <usize>n << 1);
  }
  let o = dst;
  for (let y = 0; y < rows; y++) {
    const cur = q + (<usize>(y * row) << 1);
    store<u8>(o++, y == 0 ? 0 : 2);
    if (y == 0) {
      for (let i = 0; i < row; i++) {
        const v = load<u16>(cur + (<usize>i << 1));
        store<u8>(o, <u8>(v >> 8));
        store<u8>(o + 1, <u8>v);
        o += 2;
      }
    } else {
      const prev = cur - (<usize>row << 1);
      for (let i = 0; i < row; i++) {
        const v = <i32>load<u16>(cur + (<usize>i << 1));
        const u = <i32>load<u16>(prev + (<usize>i << 1));
        store<u8>(o, <u8>((v >> 8) - (u >> 8)));
        store<u8>(o + 1, <u8>((v & 255) - (u & 255)));
        o += 2;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// rgbToMono16: the stored mono frame of n interleaved RGB pixels of stored samples (bytes = 1 or 2 per
// sample, value = sample · scale) — reference: rgbToMono16 in src/image/pointwise.ts. The same float64
// sum in the same order, rounded to float32, then rounded half up and clamped to [0, 65535].
export function rgbToMono16(src: usize, bytes: i32, scale: f64, n: i32, dst: usize): void {
  const wr: f64 = 0.299;
  const wg: f64 = 0.587;
  const wb: f64 = 0.114;
  let i = 0;
  if (bytes == 1) {
    // Four pixels per step (12 bytes; the 16-byte load stays inside the data while i + 6 <= n): each
    // channel's bytes of two pixels as i32 lanes (swizzle; index 0xff gives 0), widened to float64.
    const S = f64x2.splat(scale);
    const WR = f64x2.splat(wr), WG = f64x2.splat(wg), WB = f64x2.splat(wb);
    const half = f64x2.splat(0.5), zero = f64x2.splat(0), top = f64x2.splat(65535);
    const r01 = i8x16(0, -1, -1, -1, 3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const g01 = i8x16(1, -1, -1, -1, 4, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const b01 = i8x16(2, -1, -1, -1, 5, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const r23 = i8x16(6, -1, -1, -1, 9, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const g23 = i8x16(7, -1, -1, -1, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const b23 = i8x16(8, -1, -1, -1, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    for (; i + 6 <= n; i += 4) {
      const v = v128.load(src + <usize>(i * 3));
      const lo = rgbPairToMono(v, r01, g01, b01, S, WR, WG, WB, half, zero, top);
      const hi = rgbPairToMono(v, r23, g23, b23, S, WR, WG, WB, half, zero, top);
      // lanes 0 and 1 of each as four u16
      v128.store64_lane(dst + (<usize>i << 1), v128.shuffle<u8>(lo, hi, 0, 1, 4, 5, 16, 17, 20, 21, 0, 0, 0, 0, 0, 0, 0, 0), 0);
    }
  }
  for (; i < n; i++) {
    let r: f64, g: f64, b: f64;
    if (bytes == 1) {
      const p = src + <usize>(i * 3);
      r = <f64>load<u8>(p); g = <f64>load<u8>(p, 1); b = <f64>load<u8>(p, 2);
    } else {
      const p = src + (<usize>(i * 3) << 1);
      r = <f64>load<u16>(p); g = <f64>load<u16>(p, 2); b = <f64>load<u16>(p, 4);
    }
    const v = <f64><f32>(wr * (r * scale) + wg * (g * scale) + wb * (b * scale));
    store<u16>(dst + (<usize>i << 1), v > 0 ? (v < 65535 ? <u16><i32>(v + 0.5) : 65535) : 0);
  }
}

// Two pixels of rgbToMono16 (8-bit): the channel bytes picked by the swizzles, the float64 sum rounded to
// float32, then min(max(v, 0) + 0.5, 65535) truncated — the scalar rule's result — as i32 lanes 0 and 1.
// @ts-ignore: decorator
@inline
function rgbPairToMono(v: v128, ri: v128, gi: v128, bi: v128, S: v128, WR: v128, WG: v128, WB: v128, half: v128, zero: v128, top: v128): v128 {
  const r = f64x2.mul(f64x2.convert_low_i32x4_s(i8x16.swizzle(v, ri)), S);
  const g = f64x2.mul(f64x2.convert_low_i32x4_s(i8x16.swizzle(v, gi)), S);
  const b = f64x2.mul(f64x2.convert_low_i32x4_s(i8x16.swizzle(v, bi)), S);
  const sum = f64x2.add(f64x2.add(f64x2.mul(WR, r), f64x2.mul(WG, g)), f64x2.mul(WB, b));
  const m = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(sum));
  return i32x4.trunc_sat_f64x2_s_zero(f64x2.pmin(f64x2.add(f64x2.pmax(m, zero), half), top));
}

// ---------------------------------------------------------------------------------------------
// stackRecords: every patch of one frame for the Stack node in one call — the per-axis taps
// (reference: axisTaps in src/nodes/lib/stack-sample.ts, the same float64 operations) and then
// stackAccumulate per patch, in record order (bit-identical with one accumulatePatch call each).
//
// recs : 80 bytes per patch: i32 y0, lenY, x0, lenX (target origin and size on the accumulator's
//        grid; taps for targets start + t), wy, wx (f32 ramps or 0), acc (address of the
//        accumulator), accWidth, D (drizzle), track (1: update borders); f64 at 40: offY, locY,
//        offX, locX, scale
// mode : 0 bilinear, 1 cubic, 2 integer
// borders : i32[4] top, bottom, left, right: the largest clip per side over the tracked patches
// scratch: yIdx/yWt (i32/f32[4 · max lenY]), xIdx/xWt/xOff (i32/f32/i32[4 · max lenX]),
//          tmp (f64[max span]), xs (as stackAccumulate)
// srcBytes, srcScale: the frame at src is f32 (4) or stored u16 (2) / u8 (1) samples, the float frame
//        being sample · srcScale (1 or 256: exact)
// band : 0 every target row; 1 only the accumulator rows below halfRows · D (the record's D), with the
//        borders tracked; 2 only the rows from there on, borders not tracked. Bands 1 and 2 on two
//        threads (each with its own scratch) add to disjoint rows, each pixel's terms in record order
//        as with band 0, so the sums are the same bit for bit.
export function stackRecords(
  recs: usize, n: i32, src: usize, W: i32, H: i32, C: i32, mode: i32,
  yIdx: usize, yWt: usize, xIdx: usize, xWt: usize, xOff: usize, tmp: usize, xs: usize, borders: usize,
  band: i32, halfRows: i32, srcBytes: i32, srcScale: f64,
): void {
  for (let k = 0; k < n; k++) {
    const r = recs + <usize>k * 80;
    const y0 = load<i32>(r);
    const lenY = load<i32>(r, 4);
    const x0 = load<i32>(r, 8);
    const lenX = load<i32>(r, 12);
    const wy = <usize>load<i32>(r, 16);
    const wx = <usize>load<i32>(r, 20);
    const acc = <usize>load<i32>(r, 24);
    const accWidth = load<i32>(r, 28);
    const D = load<i32>(r, 32);
    const track = load<i32>(r, 36);
    const ny = tapsAxis(lenY, y0, H, D, load<f64>(r, 40), load<f64>(r, 48), mode, yIdx, yWt);
    const fy = tapsFirst;
    const ey = tapsEnd;
    const nx = tapsAxis(lenX, x0, W, D, load<f64>(r, 56), load<f64>(r, 64), mode, xIdx, xWt);
    const fx = tapsFirst;
    const ex = tapsEnd;
    if (track && band != 2) {
      // clipLo = first, clipHi = len − end (both len when no target is valid), as AxisTaps
      const emptyY = fy >= ey;
      const emptyX = fx >= ex;
      const top = emptyY ? lenY : fy;
      const bottom = emptyY ? lenY : lenY - ey;
      const left = emptyX ? lenX : fx;
      const right = emptyX ? lenX : lenX - ex;
      if (top > load<i32>(borders)) store<i32>(borders, top);
      if (bottom > load<i32>(borders, 4)) store<i32>(borders, bottom, 4);
      if (left > load<i32>(borders, 8)) store<i32>(borders, left, 8);
      if (right > load<i32>(borders, 12)) store<i32>(borders, right, 12);
    }
    if (fy >= ey || fx >= ex) continue;
    let ty0 = fy;
    let ty1 = ey;
    if (band != 0) {
      const cut = halfRows * D - y0; // the first target t in the upper band
      if (band == 1) { if (ty1 > cut) ty1 = cut; } else if (ty0 < cut) ty0 = cut;
      if (ty0 >= ty1) continue;
    }
    const rows = ty1 - ty0;
    const cols = ex - fx;
    let xs0 = 0x7fffffff;
    let xs1 = -0x7fffffff;
    for (let q = fx * nx; q < ex * nx; q++) {
      const i = load<i32>(xIdx + (<usize>q << 2));
      if (i < xs0) xs0 = i;
      if (i > xs1) xs1 = i;
    }
    const span = (xs1 - xs0 + 1) * C;
    for (let q = 0; q < cols * nx; q++) {
      store<i32>(xOff + (<usize>q << 2), (load<i32>(xIdx + (<usize>(fx * nx + q) << 2)) - xs0) * C);
    }
    // the valid targets' taps, weights and accumulator origin
    const stride = accWidth * C;
    const yI = yIdx + (<usize>(ty0 * ny) << 2);
    const yW = yWt + (<usize>(ty0 * ny) << 2);
    const xW = xWt + (<usize>(fx * nx) << 2);
    const wyp = wy ? wy + (<usize>ty0 << 2) : 0;
    const wxp = wx ? wx + (<usize>fx << 2) : 0;
    const scl = load<f64>(r, 72);
    const a0 = acc + (<usize>(((y0 + ty0) * accWidth + x0 + fx) * C) << 2);
    if (srcBytes == 1) {
      stackAccumulateFrom<u8>(src, srcScale, W * C, C, yI, yW, ny, rows, xOff, xW, nx, cols, xs0, span, wyp, wxp, scl, a0, stride, tmp, xs);
    } else if (srcBytes == 2) {
      stackAccumulateFrom<u16>(src, srcScale, W * C, C, yI, yW, ny, rows, xOff, xW, nx, cols, xs0, span, wyp, wxp, scl, a0, stride, tmp, xs);
    } else {
      stackAccumulate(src, W * C, C, yI, yW, ny, rows, xOff, xW, nx, cols, xs0, span, wyp, wxp, scl, a0, stride, tmp, xs);
    }
  }
}

let tapsFirst: i32 = 0;
let tapsEnd: i32 = 0;

// @ts-ignore: decorator
@inline function clampIdx(i: f64, n: i32): i32 {
  return i < 0 ? 0 : i >= <f64>n ? n - 1 : <i32>i;
}

// axisTaps (stack-sample.ts) for `len` targets from `start` on a source axis of srcN pixels: taps in
// idx (i32) and wt (f32, n per target); returns n, sets tapsFirst/tapsEnd (0, 0 when none is valid).
function tapsAxis(len: i32, start: i32, srcN: i32, D: i32, offset: f64, local: f64, mode: i32, idx: usize, wt: usize): i32 {
  const n = mode == 1 ? 4 : mode == 2 && D == 1 ? 1 : 2;
  let first = len;
  let end = 0;
  const Df = <f64>D;
  const T: f64 = mode == 2 ? nearest<f64>(offset * Df) - nearest<f64>(local * Df) : 0;
  const shift = offset - local;
  const A: f64 = -0.75;
  for (let t = 0; t < len; t++) {
    const Y = <f64>(start + t);
    let s: f64;
    let valid: bool;
    if (mode == 2) {
      const Yf = Y + T;
      valid = Yf >= 0 && Yf < <f64>srcN * Df;
      s = D == 1 ? Yf : (Yf + 0.5) / Df - 0.5;
    } else {
      s = D == 1 ? Y + shift : (Y + 0.5) / Df - 0.5 + shift;
      valid = s >= -0.5 && s < <f64>srcN - 0.5;
    }
    if (!valid) continue;
    if (t < first) first = t;
    end = t + 1;
    const k = Math.floor(s);
    const f = s - k;
    const o = <usize>(t * n) << 2;
    if (n == 1) {
      store<i32>(idx + o, clampIdx(k, srcN));
      store<f32>(wt + o, 1);
    } else if (n == 2) {
      store<i32>(idx + o, clampIdx(k, srcN));
      store<i32>(idx + o + 4, clampIdx(k + 1, srcN));
      store<f32>(wt + o, <f32>(1 - f));
      store<f32>(wt + o + 4, <f32>f);
    } else {
      // cubicWeights (src/image/resample.ts), OpenCV's a = −0.75
      const x0 = f + 1;
      const c0 = ((A * x0 - 5 * A) * x0 + 8 * A) * x0 - 4 * A;
      const c1 = ((A + 2) * f - (A + 3)) * f * f + 1;
      const x2 = 1 - f;
      const c2 = ((A + 2) * x2 - (A + 3)) * x2 * x2 + 1;
      const c3 = 1 - c0 - c1 - c2;
      store<i32>(idx + o, clampIdx(k - 1, srcN));
      store<i32>(idx + o + 4, clampIdx(k, srcN));
      store<i32>(idx + o + 8, clampIdx(k + 1, srcN));
      store<i32>(idx + o + 12, clampIdx(k + 2, srcN));
      store<f32>(wt + o, <f32>c0);
      store<f32>(wt + o + 4, <f32>c1);
      store<f32>(wt + o + 8, <f32>c2);
      store<f32>(wt + o + 12, <f32>c3);
    }
  }
  if (first >= end) { first = 0; end = 0; }
  tapsFirst = first;
  tapsEnd = end;
  return n;
}
