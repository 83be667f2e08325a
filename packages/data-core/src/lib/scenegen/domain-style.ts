/**
 * How each demo domain looks. The source ("synthetic", GTA5-like) renders a
 * layout with a saturated flat palette, hard edges, bright uniform light and
 * no noise. The target ("real", Cityscapes-like) uses a different, muted and
 * colour-cast palette with per-class hue shifts (road brownish instead of
 * grey-purple, vegetation dark olive instead of bright green, an overcast
 * whitish sky…), material textures, a lighting gradient, cast shadows,
 * vignetting, slight blur and sensor noise.
 *
 * Both palettes index the same part variants, so a class's instance colour in
 * one domain corresponds to one colour in the other: the gap is a
 * class-dependent appearance mapping, which a semantically guided translator
 * can learn, not a change of layout.
 */
import { Material, MATERIAL_COUNT, SceneLayout } from './scene-layout';
import { SceneRng, valueNoise } from './scene-rng';

/** Bound once: inside Jest's vm sandbox every global lookup (`Math.floor` in a hot loop) costs ~1 µs, 40× the work. */
const M = Math;

type Rgb = readonly [number, number, number];

/** Texture of a material in the target domain: value-noise octaves and an optional tile grid. */
interface Texture {
  /** [frequency in cycles per pixel, relative amplitude] pairs. */
  octaves: readonly (readonly [number, number])[];
  /** Grout lines every `tiles` pixels, darkening by 15 % (sidewalk slabs, bricks). */
  tiles?: number;
}

interface MaterialLook {
  /** Instance colours; a part's variant in [0, 1) picks one. */
  colours: readonly Rgb[];
  texture: Texture;
}

const FLAT: Texture = { octaves: [] };

/** Saturated, bright, "game-engine" palette (GTA5-like). */
const SOURCE: Record<Material, MaterialLook> = {
  [Material.sky]: { colours: [[96, 165, 250], [110, 175, 255], [88, 150, 240]], texture: FLAT },
  [Material.road]: { colours: [[118, 100, 138], [126, 108, 146], [110, 96, 128]], texture: FLAT },
  [Material.roadMarking]: { colours: [[246, 246, 240]], texture: FLAT },
  [Material.sidewalk]: { colours: [[214, 172, 200], [222, 182, 206], [204, 166, 194]], texture: FLAT },
  [Material.curb]: { colours: [[176, 152, 170]], texture: FLAT },
  [Material.terrain]: { colours: [[176, 214, 78], [190, 220, 90], [166, 204, 70]], texture: FLAT },
  [Material.facade]: { colours: [[214, 158, 108], [190, 112, 90], [226, 212, 166], [200, 140, 150], [180, 170, 130]], texture: FLAT },
  [Material.window]: { colours: [[78, 130, 204], [96, 150, 214], [70, 110, 190]], texture: FLAT },
  [Material.wall]: { colours: [[170, 160, 216], [160, 150, 206]], texture: FLAT },
  [Material.fence]: { colours: [[206, 160, 108], [196, 150, 98]], texture: FLAT },
  [Material.fenceGap]: { colours: [[150, 110, 70]], texture: FLAT },
  [Material.pole]: { colours: [[172, 172, 184], [160, 160, 172]], texture: FLAT },
  [Material.lightBox]: { colours: [[238, 190, 30], [226, 180, 24]], texture: FLAT },
  [Material.lightLamp]: { colours: [[255, 40, 40], [40, 255, 90], [255, 200, 30]], texture: FLAT },
  [Material.signFace]: { colours: [[250, 226, 20], [30, 90, 240], [240, 40, 40], [250, 250, 250]], texture: FLAT },
  [Material.foliage]: { colours: [[48, 190, 52], [60, 200, 60], [40, 170, 70]], texture: FLAT },
  [Material.trunk]: { colours: [[120, 78, 40], [110, 70, 36]], texture: FLAT },
  [Material.clothing]: { colours: [[220, 30, 60], [30, 60, 220], [240, 200, 30], [20, 20, 20], [250, 120, 20], [130, 40, 200]], texture: FLAT },
  [Material.skin]: { colours: [[236, 186, 150], [200, 140, 100], [150, 100, 70]], texture: FLAT },
  [Material.carBody]: { colours: [[230, 30, 30], [30, 70, 230], [250, 250, 250], [20, 20, 24], [40, 190, 80], [250, 210, 30], [160, 160, 170], [230, 110, 20]], texture: FLAT },
  [Material.carWindow]: { colours: [[40, 60, 96], [50, 70, 110]], texture: FLAT },
  [Material.wheel]: { colours: [[24, 24, 26]], texture: FLAT },
  [Material.carLight]: { colours: [[255, 30, 30], [255, 250, 210]], texture: FLAT },
  [Material.bicycleFrame]: { colours: [[210, 30, 50], [30, 200, 220], [240, 240, 240]], texture: FLAT },
  [Material.clutter]: { colours: [[150, 122, 90], [90, 150, 90], [110, 110, 120]], texture: FLAT },
  [Material.egoHood]: { colours: [[30, 30, 34]], texture: FLAT },
};

const FINE: Texture = { octaves: [[0.9, 0.05]] };

/** Muted, overcast, warm-cast palette (Cityscapes-like), with textures. */
const TARGET: Record<Material, MaterialLook> = {
  [Material.sky]: { colours: [[196, 204, 210], [206, 212, 214], [180, 192, 204]], texture: { octaves: [[0.04, 0.1], [0.12, 0.04]] } },
  [Material.road]: { colours: [[104, 92, 80], [96, 86, 76], [112, 100, 86]], texture: { octaves: [[0.08, 0.1], [0.9, 0.14]] } },
  [Material.roadMarking]: { colours: [[200, 196, 182]], texture: { octaves: [[0.9, 0.12]] } },
  [Material.sidewalk]: { colours: [[148, 142, 134], [158, 150, 140], [140, 136, 130]], texture: { octaves: [[0.6, 0.07]], tiles: 4 } },
  [Material.curb]: { colours: [[170, 164, 154]], texture: FINE },
  [Material.terrain]: { colours: [[124, 124, 72], [136, 128, 80], [114, 118, 66]], texture: { octaves: [[0.5, 0.22], [0.15, 0.12]] } },
  [Material.facade]: { colours: [[134, 124, 112], [114, 110, 106], [156, 140, 118], [124, 114, 108], [100, 100, 104]], texture: { octaves: [[0.1, 0.1], [0.7, 0.06]] } },
  [Material.window]: { colours: [[46, 50, 56], [60, 64, 70], [38, 42, 48]], texture: { octaves: [[0.3, 0.1]] } },
  [Material.wall]: { colours: [[170, 158, 136], [150, 142, 128]], texture: { octaves: [[0.3, 0.12]], tiles: 3 } },
  [Material.fence]: { colours: [[104, 100, 92], [116, 110, 98]], texture: { octaves: [[0.5, 0.1]] } },
  [Material.fenceGap]: { colours: [[70, 74, 62]], texture: { octaves: [[0.5, 0.2]] } },
  [Material.pole]: { colours: [[92, 94, 96], [80, 82, 86]], texture: FINE },
  [Material.lightBox]: { colours: [[34, 36, 34], [44, 44, 40]], texture: FINE },
  [Material.lightLamp]: { colours: [[230, 120, 90], [120, 230, 160], [240, 210, 120]], texture: FINE },
  [Material.signFace]: { colours: [[200, 176, 60], [50, 80, 150], [170, 60, 56], [210, 210, 204]], texture: FINE },
  [Material.foliage]: { colours: [[70, 84, 40], [62, 76, 36], [80, 90, 48]], texture: { octaves: [[0.6, 0.35], [0.2, 0.2]] } },
  [Material.trunk]: { colours: [[66, 58, 50], [58, 52, 46]], texture: { octaves: [[0.6, 0.15]] } },
  [Material.clothing]: { colours: [[120, 40, 50], [44, 54, 90], [150, 140, 100], [30, 30, 32], [130, 90, 60], [80, 60, 90]], texture: { octaves: [[0.6, 0.1]] } },
  [Material.skin]: { colours: [[196, 160, 136], [170, 128, 100], [120, 90, 70]], texture: FINE },
  [Material.carBody]: { colours: [[140, 40, 40], [40, 56, 110], [200, 200, 196], [28, 28, 30], [56, 100, 70], [170, 150, 80], [120, 120, 124], [150, 90, 50]], texture: { octaves: [[0.2, 0.06]] } },
  [Material.carWindow]: { colours: [[30, 36, 40], [44, 50, 54]], texture: { octaves: [[0.2, 0.15]] } },
  [Material.wheel]: { colours: [[20, 20, 20]], texture: FINE },
  [Material.carLight]: { colours: [[200, 50, 40], [230, 226, 200]], texture: FINE },
  [Material.bicycleFrame]: { colours: [[120, 30, 40], [40, 110, 120], [180, 180, 176]], texture: FINE },
  [Material.clutter]: { colours: [[90, 80, 70], [60, 90, 66], [80, 80, 86]], texture: FINE },
  [Material.egoHood]: { colours: [[24, 26, 30]], texture: { octaves: [[0.1, 0.1]] } },
};

if (Object.keys(SOURCE).length !== MATERIAL_COUNT || Object.keys(TARGET).length !== MATERIAL_COUNT) {
  throw new Error(`domain-style: palettes must cover all ${MATERIAL_COUNT} materials`);
}

function partColour(look: MaterialLook, variant: number): Rgb {
  return look.colours[M.min(look.colours.length - 1, M.floor(variant * look.colours.length))];
}

/**
 * Source look: each part in its flat palette colour, scaled by one global
 * brightness in [0.95, 1.05) and a slightly darker cel-shade on facades away
 * from the sun. Returns interleaved RGB bytes.
 */
export function renderSource(layout: SceneLayout, rng: SceneRng): Uint8Array {
  const { width, height, part, parts, shadow } = layout;
  const brightness = rng.uniform(0.95, 1.05);
  const table = parts.map((p) => {
    const c = partColour(SOURCE[p.material], p.variant);
    return [c[0] * brightness, c[1] * brightness, c[2] * brightness];
  });
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const c = table[part[i]];
    const m = parts[part[i]].material;
    // Hard cel-shading only on vertical surfaces; the ground stays uniformly lit.
    const k = shadow[i] && (m === Material.facade || m === Material.window) ? 0.88 : 1;
    out[3 * i] = clampByte(c[0] * k);
    out[3 * i + 1] = clampByte(c[1] * k);
    out[3 * i + 2] = clampByte(c[2] * k);
  }
  return out;
}

/**
 * Target look: textured palette colours × lighting (vertical and sun-side
 * gradient, per-image exposure) × cast shadows (bluish, 55 % light), then a
 * 3×3 binomial blur (weaker below 128 px width), vignetting, a per-image colour cast and Gaussian sensor
 * noise. `gapStrength` in [0, 1] moves the palette from the source's (0) to
 * the target's own (1, default); texture, lighting and noise stay. Returns
 * interleaved RGB bytes.
 */
export function renderTarget(layout: SceneLayout, rng: SceneRng, gapStrength = 1): Uint8Array {
  const { width, height, part, parts, shadow, sunSide } = layout;
  const exposure = rng.uniform(0.8, 1.1);
  const cast: Rgb = [rng.uniform(0.97, 1.05), rng.uniform(0.97, 1.02), rng.uniform(0.88, 0.98)];
  const noiseSigma = rng.uniform(3, 7);
  const seeds = Array.from({ length: 4 }, () => M.floor(rng.next() * 0x7fffffff));
  const ox = rng.uniform(0, 1000);
  const oy = rng.uniform(0, 1000);
  const table = parts.map((p) => {
    const t = partColour(TARGET[p.material], p.variant);
    const src = partColour(SOURCE[p.material], p.variant);
    return [0, 1, 2].map((ch) => src[ch] + gapStrength * (t[ch] - src[ch]));
  });
  const lit = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const vertical = 1.08 - 0.22 * (y / height);
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const p = parts[part[i]];
      const look = TARGET[p.material];
      let tex = 1;
      for (let o = 0; o < look.texture.octaves.length; o++) {
        const [freq, amp] = look.texture.octaves[o];
        tex += 2 * amp * (valueNoise((x + ox) * freq, (y + oy) * freq, seeds[o] + p.material * 7919) - 0.5);
      }
      const tiles = look.texture.tiles;
      if (tiles && ((x % tiles === 0) || (y % tiles === 0))) tex *= 0.85;
      const sideLight = 1 + 0.12 * sunSide * (x / width - 0.5);
      const light = exposure * vertical * sideLight * tex;
      const c = table[part[i]];
      const sh = shadow[i] ? 0.55 : 1;
      lit[3 * i] = c[0] * light * sh;
      lit[3 * i + 1] = c[1] * light * sh;
      lit[3 * i + 2] = c[2] * light * (shadow[i] ? 0.62 : 1);
    }
  }
  // The blur models lens softness at the demo's 128-pixel width; narrower images get proportionally less.
  const blurred = blur3(lit, width, height, M.min(1, width / 128));
  const out = new Uint8Array(width * height * 3);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = (x - cx) / cx;
      const dy = (y - cy) / cy;
      const vignette = 1 - 0.22 * (dx * dx + dy * dy) * 0.5;
      const i = y * width + x;
      for (let ch = 0; ch < 3; ch++) {
        out[3 * i + ch] = clampByte(blurred[3 * i + ch] * vignette * cast[ch] + noiseSigma * rng.normal());
      }
    }
  }
  return out;
}

/** Separable [1 2 1]/4 blur with clamped borders on interleaved RGB floats, mixed with the input by `amount`. */
function blur3(src: Float32Array, width: number, height: number, amount: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const l = M.max(0, x - 1);
      const r = M.min(width - 1, x + 1);
      for (let ch = 0; ch < 3; ch++) {
        tmp[3 * (y * width + x) + ch] = 0.25 * src[3 * (y * width + l) + ch] + 0.5 * src[3 * (y * width + x) + ch] + 0.25 * src[3 * (y * width + r) + ch];
      }
    }
  }
  for (let y = 0; y < height; y++) {
    const u = M.max(0, y - 1);
    const d = M.min(height - 1, y + 1);
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < 3; ch++) {
        const i = 3 * (y * width + x) + ch;
        const b = 0.25 * tmp[3 * (u * width + x) + ch] + 0.5 * tmp[i] + 0.25 * tmp[3 * (d * width + x) + ch];
        out[i] = src[i] + amount * (b - src[i]);
      }
    }
  }
  return out;
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : M.round(v);
}
