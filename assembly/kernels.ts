// AssemblyScript image kernels for luckygraph (compiled with --enable simd, see scripts/build-wasm.mjs).
//
// Memory: the JavaScript side owns the layout. It allocates every buffer (inputs, outputs,
// scratch) in one linear memory above `heapBase()` with a bump allocator and passes byte
// offsets. Nothing here allocates. All images are float32, row-major, channels interleaved.
//
// Numerics: the separable blur, the Laplacian and the first-pass helpers evaluate exactly the
// same float64 operations, in the same order, as the TypeScript reference (src/image/*.ts), so
// their results are bit-identical; only the lane width differs (f64x2). The NCC cross term is
// the one deliberate exception: products and per-row partial sums in f32x4, rows accumulated in
// float64 (agreement with the reference ~1e-7, see tests/perf).

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
  const rowLen = w * C;
  const rowBytes = <usize>rowLen << 2;
  const ringRows = 2 * ry + 1;
  const padOff = <usize>(rx * C) << 2; // bytes
  const rightOff = <usize>((w + rx) * C) << 2;
  const kxc = load<f64>(kx + (<usize>rx << 3));
  const kyc = load<f64>(ky + (<usize>ry << 3));
  const kxcV = f64x2.splat(kxc);
  const kycV = f64x2.splat(kyc);
  const n4 = rowLen & ~3;
  let nextRow = 0;
  for (let y = 0; y < h; y++) {
    // ---- horizontal pass for the rows this output row needs ----
    const need = min(h - 1, y + ry);
    for (; nextRow <= need; nextRow++) {
      const base = src + <usize>nextRow * rowBytes;
      const out = ring + <usize>(nextRow % ringRows) * rowBytes;
      memory.copy(pad + padOff, base, rowBytes);
      for (let j = 0; j < rx; j++) {
        const ls = base + (<usize>load<i32>(xsrc + (<usize>j << 2)) << 2);
        const rs = base + (<usize>load<i32>(xsrc + (<usize>(rx + j) << 2)) << 2);
        const lo = pad + (<usize>(j * C) << 2);
        const ro = pad + rightOff + (<usize>(j * C) << 2);
        for (let c = 0; c < C; c++) {
          store<f32>(lo + (<usize>c << 2), load<f32>(ls + (<usize>c << 2)));
          store<f32>(ro + (<usize>c << 2), load<f32>(rs + (<usize>c << 2)));
        }
      }
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
    for (let k = 0; k < ry; k++) {
      const a = ring + <usize>(load<i32>(ytab + (<usize>(y + k) << 2)) % ringRows) * rowBytes;
      const b = ring + <usize>(load<i32>(ytab + (<usize>(y + 2 * ry - k) << 2)) % ringRows) * rowBytes;
      store<u32>(rowp + (<usize>(2 * k) << 2), <u32>a);
      store<u32>(rowp + (<usize>(2 * k + 1) << 2), <u32>b);
    }
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
// TM_CCORR_NORMED (reference: nccMap)
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
  const Wo = Ww - Wt + 1;
  const Ho = Hw - Ht + 1;
  // template energy, sequential float64 as the reference
  let tt: f64 = 0;
  const nT = Wt * Ht;
  for (let i = 0; i < nT; i++) {
    const t = <f64>load<f32>(T + (<usize>i << 2));
    tt += t * t;
  }
  // integral image of squares, float64, exactly as the reference builds it
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
  const Wt4 = Wt & ~3;
  const rowT = <usize>Wt << 2;
  const rowI = <usize>Ww << 2;
  for (let u = 0; u < Ho; u++) {
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
