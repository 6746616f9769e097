/**
 * Procedural "truth" scenes for the seeing simulator, as signal in 0..1 (1 = full well):
 *
 *  - moon: a lunar-like surface lit by a low sun from the left — a height field of craters of many
 *    sizes (power-law size distribution; bowls, raised rims, ejecta, flat floors and central peaks
 *    for the big ones) on rolling terrain, dark smooth maria with fewer craters, albedo texture at
 *    several scales, bright haloes round some fresh craters, Lambert shading plus cast shadows, and
 *    optionally the limb with black sky;
 *  - planet: a Jupiter-like oblate disk on black sky with zones and belts, turbulent band edges,
 *    small-scale festoons, a red-spot oval and limb darkening.
 *
 * Scenes are pure functions of (seed, width, height) and of the truth coordinates asked for, so a
 * region larger than the truth (the simulator's canvas with margins) agrees with the truth inside.
 * Rendering is 2× supersampled and area-averaged.
 */
import { Rng, hashSeed } from './prng.js';
import { fbm } from './noise.js';

export type SceneKind = 'moon' | 'planet';

export interface SceneOptions {
  /** moon: draw the limb (black sky beyond). */
  limb?: boolean;
  /** moon: sun elevation in degrees (default 22). */
  sunElevation?: number;
  /** Supersampling factor (default 2). */
  supersample?: number;
}

export interface Region {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

interface Crater {
  x: number;
  y: number;
  r: number;
  depth: number;
  rim: number;
  floor: number; // radius fraction of the flat floor (0 for bowls)
  peak: number; // central peak height
  halo: number; // albedo boost of a fresh crater
}

const smoothstep = (a: number, b: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - a) / (b - a)));
  return t * t * (3 - 2 * t);
};

/** Mare mask in 0..1 at truth coordinates (x, y). */
function mareMask(x: number, y: number, seed: number, W: number, H: number): number {
  const s = Math.max(W, H);
  const v = fbm(x, y, seed, 0.55 * s, 4, 0.45);
  return smoothstep(0.02, 0.16, v);
}

function makeCraters(seed: number, W: number, H: number, pad: number): Crater[] {
  const rng = new Rng(seed, 'craters');
  const mseed = hashSeed(seed, 'mare');
  const rmin = 0.9;
  const rmax = Math.max(6, 0.22 * Math.min(W, H));
  const area = (W + 2 * pad) * (H + 2 * pad);
  // cumulative density N(>r) = C·area·r^-2
  const C = 0.09;
  const n = Math.round((C * area) / (rmin * rmin));
  const a = rmin ** -2, b = rmax ** -2;
  const out: Crater[] = [];
  for (let i = 0; i < n; i++) {
    const r = (a - rng.next() * (a - b)) ** -0.5;
    const x = rng.uniform(-pad, W + pad);
    const y = rng.uniform(-pad, H + pad);
    const fresh = 0.3 + 0.7 * rng.next() ** 1.5;
    const keep = rng.next();
    const m = mareMask(x, y, mseed, W, H);
    // maria are younger: far fewer craters there, more so for big ones
    if (keep < m * (r > 3 ? 0.85 : 0.55)) continue;
    const big = r > 12;
    out.push({
      x, y, r,
      depth: r * (big ? 0.22 : 0.34) * fresh,
      rim: r * 0.075 * fresh,
      floor: big ? Math.min(0.55, 0.2 + (r - 12) / 60) : 0,
      peak: r > 18 && rng.next() < 0.7 ? r * 0.09 * fresh : 0,
      halo: r < 8 && rng.next() < 0.12 ? 0.12 + 0.1 * rng.next() : 0,
    });
  }
  // big ones first so that small ones overprint them
  out.sort((p, q) => q.r - p.r);
  return out;
}

/** Crater height profile at normalised distance d = dist / r. */
function craterProfile(c: Crater, d: number): number {
  if (d < 1) {
    let bowl: number;
    if (c.floor > 0) {
      const t = Math.max(0, (d - c.floor) / (1 - c.floor));
      bowl = -c.depth * (1 - t * t);
    } else {
      bowl = -c.depth * (1 - d * d);
    }
    let z = c.rim + bowl;
    if (c.peak > 0) z += c.peak * Math.exp(-((d / 0.16) ** 2));
    return z;
  }
  return c.rim * Math.exp(-(d - 1) * 3.2);
}

/**
 * Evaluates fn(x, y) on every `step`-th sample of a sw×sh sample grid (sample → coordinate maps
 * px, py) and interpolates bilinearly in between.
 */
function coarseField(sw: number, sh: number, step: number, px: (i: number) => number, py: (j: number) => number,
  fn: (x: number, y: number) => number): Float32Array {
  const cw = Math.ceil((sw - 1) / step) + 1, ch = Math.ceil((sh - 1) / step) + 1;
  const c = new Float32Array(cw * ch);
  for (let J = 0; J < ch; J++) for (let I = 0; I < cw; I++) c[J * cw + I] = fn(px(I * step), py(J * step));
  const out = new Float32Array(sw * sh);
  for (let j = 0; j < sh; j++) {
    const J = Math.min(ch - 2, Math.floor(j / step)), ty = j / step - J;
    for (let i = 0; i < sw; i++) {
      const I = Math.min(cw - 2, Math.floor(i / step)), tx = i / step - I;
      const o = J * cw + I;
      const a = c[o] + (c[o + 1] - c[o]) * tx;
      const b = c[o + cw] + (c[o + cw + 1] - c[o + cw]) * tx;
      out[j * sw + i] = a + (b - a) * ty;
    }
  }
  return out;
}

/** Area-average a (w·ss)×(h·ss) buffer down by ss. */
function downsample(src: Float32Array, w: number, h: number, ss: number): Float32Array {
  if (ss === 1) return src;
  const out = new Float32Array(w * h);
  const sw = w * ss;
  const inv = 1 / (ss * ss);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let j = 0; j < ss; j++) for (let i = 0; i < ss; i++) s += src[(y * ss + j) * sw + x * ss + i];
    out[y * w + x] = s * inv;
  }
  return out;
}

/** Soft highlight compression keeping values below 0.96. */
function compress(v: number): number {
  if (v <= 0.72) return Math.max(0, v);
  return 0.72 + 0.24 * Math.tanh((v - 0.72) / 0.24);
}

/**
 * Renders the moon scene over `region` (truth coordinates; the truth itself is 0..W × 0..H).
 * Returns signal values 0..1, row-major region.width × region.height.
 */
export function renderMoon(seed: number, W: number, H: number, region: Region, opts: SceneOptions = {}): Float32Array {
  const ss = opts.supersample ?? 2;
  const el = ((opts.sunElevation ?? 22) * Math.PI) / 180;
  const tanEl = Math.tan(el), sinEl = Math.sin(el), cosEl = Math.cos(el);
  const pad = Math.max(64, Math.ceil(0.25 * Math.min(W, H)));
  const craters = makeCraters(seed, W, H, pad);
  const mseed = hashSeed(seed, 'mare');
  const tseed = hashSeed(seed, 'terrain');
  const aseed = hashSeed(seed, 'albedo');
  // render with extra room on the sun side (left) so that cast shadows entering the region are right
  const extraL = Math.ceil(0.5 * Math.min(W, H) * 0.22 / tanEl) + 4;
  const rx0 = region.x0 - extraL, ry0 = region.y0 - 1;
  const rw = region.width + extraL + 1, rh = region.height + 2;
  const sw = rw * ss, sh = rh * ss;
  const px = (i: number) => rx0 + (i + 0.5) / ss - 0.5; // sample → truth coordinate
  const py = (j: number) => ry0 + (j + 0.5) / ss - 0.5;

  const S = Math.max(W, H);
  // large-scale fields are evaluated on a coarser lattice and interpolated (they are smooth there)
  const mare = coarseField(sw, sh, 4, px, py, (x, y) => mareMask(x, y, mseed, W, H));
  const terrain = coarseField(sw, sh, 4, px, py, (x, y) => 2.2 * fbm(x, y, tseed, 0.3 * S, 3, 0.5));
  const wrinkle = coarseField(sw, sh, 4, px, py, (x, y) => fbm(x, y, tseed + 29, 0.12 * S, 2, 0.5));
  const albHi = coarseField(sw, sh, 2, px, py, (x, y) => 0.1 * fbm(x, y, aseed, 30, 3, 0.5));
  const albLo = coarseField(sw, sh, 2, px, py, (x, y) => 0.05 * fbm(x, y, aseed + 5, 40, 3, 0.5));
  const height = new Float32Array(sw * sh);
  const albedo = new Float32Array(sw * sh);
  for (let j = 0; j < sh; j++) {
    const y = py(j);
    for (let i = 0; i < sw; i++) {
      const x = px(i);
      const k = j * sw + i;
      const m = mare[k];
      const rough = 1 - 0.7 * m;
      height[k] = (terrain[k] + 0.9 * fbm(x, y, tseed + 7, 14, 3, 0.55) + 0.22 * fbm(x, y, tseed + 13, 2.2, 2, 0.6)) * rough
        // wrinkle ridges on the maria
        + 0.6 * m * Math.max(0, 1 - Math.abs(wrinkle[k]) * 6);
      const hi = 0.8 + albHi[k] + 0.06 * fbm(x, y, aseed + 3, 3.5, 2, 0.6);
      const lo = 0.43 + albLo[k] + 0.025 * fbm(x, y, aseed + 9, 4, 2, 0.6);
      albedo[k] = hi + (lo - hi) * m;
    }
  }
  for (const c of craters) {
    const reach = c.r * 3.2;
    const i0 = Math.max(0, Math.floor((c.x - reach - rx0 + 0.5) * ss - 0.5));
    const i1 = Math.min(sw - 1, Math.ceil((c.x + reach - rx0 + 0.5) * ss - 0.5));
    const j0 = Math.max(0, Math.floor((c.y - reach - ry0 + 0.5) * ss - 0.5));
    const j1 = Math.min(sh - 1, Math.ceil((c.y + reach - ry0 + 0.5) * ss - 0.5));
    if (i0 > i1 || j0 > j1) continue;
    const inv = 1 / c.r;
    for (let j = j0; j <= j1; j++) {
      const dy = (py(j) - c.y) * inv;
      for (let i = i0; i <= i1; i++) {
        const dx = (px(i) - c.x) * inv;
        const d = Math.sqrt(dx * dx + dy * dy);
        if (d >= 3.2) continue;
        const k = j * sw + i;
        height[k] += craterProfile(c, d);
        if (c.halo > 0) albedo[k] += c.halo * Math.exp(-((d / 1.9) ** 2));
        else if (d < 1.25) albedo[k] += 0.025 * (1 - d / 1.25); // slightly brighter walls/rims
      }
    }
  }
  // shading: sun in the -x direction at elevation el; Lambert normalised to 1 on flat ground
  const sig = new Float32Array(sw * sh);
  const step = 1 / ss;
  for (let j = 0; j < sh; j++) {
    const row = j * sw;
    let horizon = -Infinity;
    for (let i = 0; i < sw; i++) {
      const k = row + i;
      const hk = height[k];
      horizon -= tanEl * step;
      const lit = hk >= horizon;
      if (lit) horizon = hk;
      const hxp = height[row + Math.min(sw - 1, i + 1)], hxm = height[row + Math.max(0, i - 1)];
      const hyp = height[Math.min(sh - 1, j + 1) * sw + i], hym = height[Math.max(0, j - 1) * sw + i];
      const gx = (hxp - hxm) * ss * 0.5, gy = (hyp - hym) * ss * 0.5;
      // n = (-gx, -gy, 1)/|.|, toward the sun L = (-cosEl, 0.15·cosEl, sinEl)
      const ndl = (gx * cosEl - 0.15 * gy * cosEl + sinEl) / Math.sqrt(1 + gx * gx + gy * gy);
      let shade = Math.max(0, ndl) / sinEl;
      if (!lit) shade = 0;
      shade = 0.035 + 0.965 * shade;
      sig[k] = compress(0.5 * albedo[k] * shade);
    }
  }
  if (opts.limb) {
    // the limb: a circle of radius 2·max(W, H) whose edge crosses the right part of the truth
    const R = 2 * S;
    const cx = 0.8 * W - R * Math.cos(0.25), cy = 0.5 * H - R * Math.sin(0.25);
    for (let j = 0; j < sh; j++) for (let i = 0; i < sw; i++) {
      const d = Math.hypot(px(i) - cx, py(j) - cy) - R;
      if (d > 0) sig[j * sw + i] = 0.003;
    }
  }
  const low = downsample(sig, rw, rh, ss);
  // crop away the extra left margin and the 1 px top/bottom guard
  const out = new Float32Array(region.width * region.height);
  for (let y = 0; y < region.height; y++) {
    const so = (y + 1) * rw + extraL;
    out.set(low.subarray(so, so + region.width), y * region.width);
  }
  return out;
}

interface Band {
  /** Upper edge (in sin latitude, −1 = north pole at the top). */
  to: number;
  level: number;
}

/** Zones and belts from north (top, y < 0) to south. */
const BANDS: Band[] = [
  { to: -0.78, level: 0.5 },
  { to: -0.62, level: 0.68 },
  { to: -0.5, level: 0.56 },
  { to: -0.4, level: 0.8 },
  { to: -0.3, level: 0.6 },
  { to: -0.24, level: 0.86 },
  { to: -0.08, level: 0.5 }, // north equatorial belt
  { to: 0.09, level: 0.9 }, // equatorial zone
  { to: 0.13, level: 0.72 },
  { to: 0.27, level: 0.52 }, // south equatorial belt
  { to: 0.38, level: 0.88 },
  { to: 0.46, level: 0.62 },
  { to: 0.58, level: 0.82 },
  { to: 0.7, level: 0.6 },
  { to: 1.01, level: 0.48 },
];

function bandLevel(s: number): number {
  // piecewise levels with soft transitions (width 0.018)
  let lvl = BANDS[0].level;
  for (let i = 1; i < BANDS.length; i++) {
    const edge = BANDS[i - 1].to;
    lvl += (BANDS[i].level - BANDS[i - 1].level) * smoothstep(edge - 0.018, edge + 0.018, s);
  }
  return lvl;
}

/** Renders the planet scene (see module comment) over `region`; signal 0..1. */
export function renderPlanet(seed: number, W: number, H: number, region: Region, opts: SceneOptions = {}): Float32Array {
  const ss = opts.supersample ?? 2;
  const rng = new Rng(seed, 'planet');
  const R = 0.36 * Math.min(W, H);
  const ob = 0.935;
  const cx = W / 2 - 0.5 + rng.uniform(-0.05, 0.05) * W, cy = H / 2 - 0.5 + rng.uniform(-0.03, 0.03) * H;
  const spotLon = rng.uniform(-0.6, 0.6);
  const tseed = hashSeed(seed, 'planet-turb');
  const sw = region.width * ss, sh = region.height * ss;
  const sig = new Float32Array(sw * sh);
  for (let j = 0; j < sh; j++) {
    const y = region.y0 + (j + 0.5) / ss - 0.5;
    const Y = (y - cy) / (R * ob);
    for (let i = 0; i < sw; i++) {
      const x = region.x0 + (i + 0.5) / ss - 0.5;
      const X = (x - cx) / R;
      const r2 = X * X + Y * Y;
      if (r2 >= 1) continue;
      const mu = Math.sqrt(1 - r2);
      const lon = Math.asin(Math.max(-1, Math.min(1, X / Math.sqrt(Math.max(1e-9, 1 - Y * Y)))));
      // surface coordinates in px-like units (longitude stretched) for the texture noise
      const u = lon * R, v = Y * R;
      const turb = fbm(u, v, tseed, 0.16 * R, 3, 0.5);
      const s = Y + 0.022 * turb + 0.01 * fbm(u * 0.5, v, tseed + 3, 6, 2, 0.5);
      let b = bandLevel(s);
      // festoons and small-scale structure, stronger in the belts
      const belt = Math.max(0, 0.8 - b) * 2.5;
      b *= 1 + (0.04 + 0.08 * belt) * fbm(u, v * 2, tseed + 11, 5, 3, 0.55);
      // the red spot: an oval in the south tropical zone with a dark rim
      const ex = (lon - spotLon) / 0.21, ey = (Y - 0.33) / 0.055;
      const e = Math.sqrt(ex * ex + ey * ey);
      if (e < 1.6) {
        const core = 1 - smoothstep(0.75, 1.0, e);
        const ring = Math.exp(-(((e - 1.05) / 0.14) ** 2));
        b = b * (1 - 0.3 * core) - 0.12 * ring + 0.07 * core * fbm(u, v, tseed + 17, 3, 2, 0.5);
      }
      // limb darkening
      b *= 0.28 + 0.72 * mu ** 0.55;
      sig[j * sw + i] = Math.max(0, 0.82 * b);
    }
  }
  return downsample(sig, region.width, region.height, ss);
}

/** Renders a scene of the given kind over a region of truth coordinates. */
export function renderScene(kind: SceneKind, seed: number, W: number, H: number, region: Region, opts: SceneOptions = {}): Float32Array {
  return kind === 'planet' ? renderPlanet(seed, W, H, region, opts) : renderMoon(seed, W, H, region, opts);
}
