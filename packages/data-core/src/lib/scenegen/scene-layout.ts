/**
 * The scene grammar shared by both demo domains: a street seen from a car,
 * in one-point perspective. It decides geometry only — which labelId and which
 * *part* (a material plus an instance variant) every pixel shows, and where
 * shadows fall. How a part looks is the domain's business (domain-style.ts),
 * so the source and target domains share layout statistics and differ in
 * appearance, which is the gap an image-to-image translator can close.
 *
 * World units are metres, camera-centred: X to the right, Z forward, camera
 * height `CAMERA_HEIGHT`; a ground point (X, Z) projects to
 * x = vx + f·X/Z, y = horizon + f·h/Z.
 */
import { LabelId } from './label-ids';
import { SceneRng } from './scene-rng';

/** Bound once: inside Jest's vm sandbox every global lookup (`Math.floor` in a hot loop) costs ~1 µs, 40× the work. */
const M = Math;

/** What a pixel is made of; each domain gives every material a colour and texture. */
export const Material = {
  sky: 0,
  road: 1,
  roadMarking: 2,
  sidewalk: 3,
  curb: 4,
  terrain: 5,
  facade: 6,
  window: 7,
  wall: 8,
  fence: 9,
  pole: 10,
  lightBox: 11,
  lightLamp: 12,
  signFace: 13,
  foliage: 14,
  trunk: 15,
  clothing: 16,
  skin: 17,
  carBody: 18,
  carWindow: 19,
  wheel: 20,
  carLight: 21,
  bicycleFrame: 22,
  clutter: 23,
  egoHood: 24,
  fenceGap: 25,
} as const;
export type Material = (typeof Material)[keyof typeof Material];
export const MATERIAL_COUNT = 26;

/** One drawn surface: its material and a variant in [0, 1) that picks the instance colour. */
export interface ScenePart {
  material: Material;
  variant: number;
}

/** Which domain a layout is sampled for: only class frequencies differ slightly (and the ego hood). */
export type SceneDomain = 'source' | 'target';

/** A sampled scene: per-pixel labelId, part index and shadow flag, row-major. */
export interface SceneLayout {
  width: number;
  height: number;
  label: Uint8Array;
  part: Uint16Array;
  parts: ScenePart[];
  /** 1 where a building, car or tree shades the pixel (rendered only by the target domain). */
  shadow: Uint8Array;
  /** −1 sun from the left, +1 from the right: which facades are lit. */
  sunSide: -1 | 1;
}

const CAMERA_HEIGHT = 1.5;
/** Facades and objects beyond this depth are left to the distant skyline. */
const FAR_Z = 140;

/** Per-domain class-frequency knobs: the grammar is shared, the mix differs a little (as GTA5 vs Cityscapes). */
interface DomainMix {
  treeSideProbability: number;
  carsMax: number;
  personsMax: number;
  egoHoodProbability: number;
}

const MIX: Record<SceneDomain, DomainMix> = {
  source: { treeSideProbability: 0.4, carsMax: 10, personsMax: 4, egoHoodProbability: 0 },
  target: { treeSideProbability: 0.55, carsMax: 8, personsMax: 5, egoHoodProbability: 0.8 },
};

function frac(v: number): number {
  return v - M.floor(v);
}

class Canvas {
  readonly label: Uint8Array;
  readonly part: Uint16Array;
  readonly shadow: Uint8Array;
  readonly parts: ScenePart[] = [];

  constructor(readonly width: number, readonly height: number) {
    this.label = new Uint8Array(width * height);
    this.part = new Uint16Array(width * height);
    this.shadow = new Uint8Array(width * height);
  }

  addPart(material: Material, variant = 0): number {
    this.parts.push({ material, variant });
    return this.parts.length - 1;
  }

  put(x: number, y: number, label: number, part: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = y * this.width + x;
    this.label[i] = label;
    this.part[i] = part;
  }

  /** Pixels whose centres fall in [x0, x1) × [y0, y1); at least one pixel wide and tall when on screen. */
  fillRect(x0: number, y0: number, x1: number, y1: number, label: number, part: number): void {
    if (x1 - x0 < 1) {
      const c = (x0 + x1) / 2;
      x0 = c - 0.5;
      x1 = c + 0.5;
    }
    if (y1 - y0 < 1) {
      const c = (y0 + y1) / 2;
      y0 = c - 0.5;
      y1 = c + 0.5;
    }
    const i0 = M.max(0, M.ceil(x0 - 0.5));
    const i1 = M.min(this.width, M.ceil(x1 - 0.5));
    const j0 = M.max(0, M.ceil(y0 - 0.5));
    const j1 = M.min(this.height, M.ceil(y1 - 0.5));
    for (let y = j0; y < j1; y++) {
      for (let x = i0; x < i1; x++) this.put(x, y, label, part);
    }
  }

  /** Ellipse, optionally with a ragged outline `edge(angle) ∈ [0.75, 1.25]` (foliage). */
  fillEllipse(cx: number, cy: number, rx: number, ry: number, label: number, part: number, edge?: (a: number) => number): void {
    rx = M.max(rx, 0.6);
    ry = M.max(ry, 0.6);
    const reach = edge ? 1.3 : 1;
    const i0 = M.max(0, M.floor(cx - rx * reach));
    const i1 = M.min(this.width - 1, M.ceil(cx + rx * reach));
    const j0 = M.max(0, M.floor(cy - ry * reach));
    const j1 = M.min(this.height - 1, M.ceil(cy + ry * reach));
    for (let y = j0; y <= j1; y++) {
      for (let x = i0; x <= i1; x++) {
        const dx = (x + 0.5 - cx) / rx;
        const dy = (y + 0.5 - cy) / ry;
        const r2 = dx * dx + dy * dy;
        const limit = edge ? edge(M.atan2(dy, dx)) : 1;
        if (r2 <= limit * limit) this.put(x, y, label, part);
      }
    }
  }

  /** A ring (bicycle wheel): pixels within `thickness` of the circle. */
  strokeCircle(cx: number, cy: number, r: number, thickness: number, label: number, part: number): void {
    const i0 = M.max(0, M.floor(cx - r - thickness));
    const i1 = M.min(this.width - 1, M.ceil(cx + r + thickness));
    const j0 = M.max(0, M.floor(cy - r - thickness));
    const j1 = M.min(this.height - 1, M.ceil(cy + r + thickness));
    for (let y = j0; y <= j1; y++) {
      for (let x = i0; x <= i1; x++) {
        const d = M.hypot(x + 0.5 - cx, y + 0.5 - cy);
        if (M.abs(d - r) <= thickness / 2) this.put(x, y, label, part);
      }
    }
  }

  /** A straight stroke from (x0, y0) to (x1, y1), `thickness` pixels wide (at least one). */
  line(x0: number, y0: number, x1: number, y1: number, thickness: number, label: number, part: number): void {
    const steps = M.ceil(M.max(M.abs(x1 - x0), M.abs(y1 - y0)) * 2) + 1;
    const half = M.max(thickness, 1) / 2;
    for (let s = 0; s <= steps; s++) {
      const t = s / steps;
      const x = x0 + (x1 - x0) * t;
      const y = y0 + (y1 - y0) * t;
      this.fillRect(x - half, y - half, x + half, y + half, label, part);
    }
  }

  shade(x0: number, y0: number, x1: number, y1: number): void {
    const i0 = M.max(0, M.ceil(x0 - 0.5));
    const i1 = M.min(this.width, M.ceil(x1 - 0.5));
    const j0 = M.max(0, M.ceil(y0 - 0.5));
    const j1 = M.min(this.height, M.ceil(y1 - 0.5));
    for (let y = j0; y < j1; y++) for (let x = i0; x < i1; x++) this.shadow[y * this.width + x] = 1;
  }
}

/** The street's cross-section, in metres relative to the road centre. */
interface Street {
  horizon: number;
  vx: number;
  focal: number;
  /** Road centre relative to the camera (the car drives in the right lane). */
  roadCentre: number;
  roadHalf: number;
  sidewalk: [number, number];
  verge: [number, number];
  vergeKind: ['terrain' | 'paved', 'terrain' | 'paved'];
  crossingZ: number | null;
}

interface FacadeSegment {
  z0: number;
  z1: number;
  kind: 'building' | 'wall' | 'fence' | 'hedge' | 'open';
  height: number;
  part: number;
  windowPart: number;
  floor: number;
  bay: number;
}

/**
 * Samples one street scene of `width`×`height` for `domain` from `rng`.
 * Deterministic in the rng state; allocation-light so a few hundred scenes
 * take well under a second at demo sizes.
 */
export function sampleSceneLayout(rng: SceneRng, width: number, height: number, domain: SceneDomain): SceneLayout {
  const mix = MIX[domain];
  const cv = new Canvas(width, height);
  const focal = width * rng.uniform(0.8, 1.0);
  const horizon = height * rng.uniform(0.36, 0.48);
  const vx = width * rng.uniform(0.42, 0.58);
  const roadHalf = rng.uniform(3.5, 6);
  const street: Street = {
    horizon,
    vx,
    focal,
    roadCentre: -rng.uniform(0.25, 0.75) * roadHalf,
    roadHalf,
    sidewalk: [rng.uniform(2, 4.5), rng.uniform(2, 4.5)],
    verge: [rng.chance(0.6) ? rng.uniform(0.8, 3.5) : 0, rng.chance(0.6) ? rng.uniform(0.8, 3.5) : 0],
    vergeKind: [rng.chance(0.6) ? 'terrain' : 'paved', rng.chance(0.6) ? 'terrain' : 'paved'],
    crossingZ: rng.chance(0.3) ? rng.uniform(10, 30) : null,
  };
  const sunSide: -1 | 1 = rng.chance(0.5) ? -1 : 1;

  drawSkyAndSkyline(cv, rng, street);
  drawGround(cv, rng, street);
  const treeSides = [rng.chance(mix.treeSideProbability), rng.chance(mix.treeSideProbability)];
  for (const side of [-1, 1] as const) drawFacades(cv, rng, street, side, sunSide);
  drawObjects(cv, rng, street, mix, treeSides);
  if (rng.chance(mix.egoHoodProbability)) drawEgoHood(cv, rng);
  return { width, height, label: cv.label, part: cv.part, parts: cv.parts, shadow: cv.shadow, sunSide };
}

function drawSkyAndSkyline(cv: Canvas, rng: SceneRng, st: Street): void {
  const sky = cv.addPart(Material.sky, rng.next());
  cv.fillRect(0, 0, cv.width, cv.height, LabelId.sky, sky);
  // A distant skyline across the horizon: blocks of buildings and tree lines.
  let x = 0;
  while (x < cv.width) {
    const w = rng.uniform(0.04, 0.14) * cv.width;
    const isTrees = rng.chance(0.3);
    const h = (st.focal * rng.uniform(6, 35)) / FAR_Z;
    const part = cv.addPart(isTrees ? Material.foliage : Material.facade, rng.next());
    if (isTrees) {
      cv.fillEllipse(x + w / 2, st.horizon, w / 2, h * 0.6, LabelId.vegetation, part);
    } else {
      cv.fillRect(x, st.horizon - h, x + w, st.horizon + 1, LabelId.building, part);
    }
    x += w;
  }
}

function drawGround(cv: Canvas, rng: SceneRng, st: Street): void {
  const road = cv.addPart(Material.road, rng.next());
  const marking = cv.addPart(Material.roadMarking, rng.next());
  const curb = cv.addPart(Material.curb, rng.next());
  const sidewalk = cv.addPart(Material.sidewalk, rng.next());
  const terrain = cv.addPart(Material.terrain, rng.next());
  const dash = rng.uniform(4, 8);
  const centreLine = rng.chance(0.8);
  const edgeLines = rng.chance(0.5);
  const y0 = M.max(0, M.ceil(st.horizon + 0.5));
  for (let y = y0; y < cv.height; y++) {
    const dy = y + 0.5 - st.horizon;
    const z = (st.focal * CAMERA_HEIGHT) / dy;
    for (let x = 0; x < cv.width; x++) {
      const xr = ((x + 0.5 - st.vx) * z) / st.focal - st.roadCentre;
      const a = M.abs(xr);
      const side = xr < 0 ? 0 : 1;
      let label: number = LabelId.road;
      let part = road;
      if (a < st.roadHalf) {
        const isCentre = centreLine && a < 0.1 && frac(z / dash) < 0.5;
        const isEdge = edgeLines && a > st.roadHalf - 0.35 && a < st.roadHalf - 0.2;
        const isCrossing = st.crossingZ !== null && z > st.crossingZ && z < st.crossingZ + 3 && frac(xr / 0.9) < 0.5;
        if (isCentre || isEdge || isCrossing) part = marking;
      } else if (a < st.roadHalf + 0.2) {
        label = LabelId.sidewalk;
        part = curb;
      } else if (a < st.roadHalf + st.sidewalk[side]) {
        label = LabelId.sidewalk;
        part = sidewalk;
      } else if (st.vergeKind[side] === 'terrain') {
        label = LabelId.terrain;
        part = terrain;
      } else {
        label = LabelId.sidewalk;
        part = sidewalk;
      }
      cv.put(x, y, label, part);
    }
  }
}

function facadeSegments(cv: Canvas, rng: SceneRng): FacadeSegment[] {
  const segments: FacadeSegment[] = [];
  let z = 1;
  while (z < FAR_Z) {
    const length = rng.uniform(8, 30);
    const r = rng.next();
    const kind: FacadeSegment['kind'] = r < 0.66 ? 'building' : r < 0.74 ? 'wall' : r < 0.82 ? 'fence' : r < 0.94 ? 'hedge' : 'open';
    const height = kind === 'building' ? rng.uniform(7, 26) : kind === 'hedge' ? rng.uniform(2.5, 7) : rng.uniform(1.2, 2.4);
    const material = kind === 'building' ? Material.facade : kind === 'wall' ? Material.wall : kind === 'fence' ? Material.fence : Material.foliage;
    segments.push({
      z0: z,
      z1: z + length,
      kind,
      height,
      part: cv.addPart(material, rng.next()),
      windowPart: cv.addPart(kind === 'fence' ? Material.fenceGap : Material.window, rng.next()),
      floor: rng.uniform(2.8, 3.6),
      bay: rng.uniform(2.2, 4),
    });
    z += length;
  }
  return segments;
}

function drawFacades(cv: Canvas, rng: SceneRng, st: Street, side: -1 | 1, sunSide: -1 | 1): void {
  const s = side < 0 ? 0 : 1;
  const lateral = st.roadCentre + side * (st.roadHalf + st.sidewalk[s] + st.verge[s]);
  const segments = facadeSegments(cv, rng);
  // Facades on the sun's side are lit; the far side's ground strip lies in their shadow.
  const shadowDepth = side === sunSide ? 0 : rng.uniform(3, 9);
  for (let x = 0; x < cv.width; x++) {
    const dx = x + 0.5 - st.vx;
    if (dx * side <= 0.5) continue;
    const z = (st.focal * lateral) / dx;
    if (z <= 0 || z > FAR_Z) continue;
    const seg = segments.find((g) => z >= g.z0 && z < g.z1);
    if (!seg || seg.kind === 'open') continue;
    const yGround = st.horizon + (st.focal * CAMERA_HEIGHT) / z;
    const yTop = st.horizon + (st.focal * (CAMERA_HEIGHT - seg.height)) / z;
    const label = seg.kind === 'building' ? LabelId.building : seg.kind === 'wall' ? LabelId.wall : seg.kind === 'fence' ? LabelId.fence : LabelId.vegetation;
    const jagged = seg.kind === 'hedge' ? M.sin(x * 1.7 + seg.z0) * 0.15 * (st.focal / z) : 0;
    const j0 = M.max(0, M.ceil(yTop + jagged - 0.5));
    const j1 = M.min(cv.height, M.ceil(yGround - 0.5));
    for (let y = j0; y < j1; y++) {
      let part = seg.part;
      if (seg.kind === 'building') {
        const h = CAMERA_HEIGHT - ((y + 0.5 - st.horizon) * z) / st.focal;
        const along = (z - seg.z0) / seg.bay;
        const storey = h / seg.floor;
        const isShop = h > 0.3 && h < 2.6 && along % 1 > 0.1 && along % 1 < 0.65;
        const isWindow = storey > 1 && h < seg.height - 0.6 && storey % 1 > 0.3 && storey % 1 < 0.8 && along % 1 > 0.3 && along % 1 < 0.75;
        if (isShop || isWindow) part = seg.windowPart;
      } else if (seg.kind === 'fence' && frac((z - seg.z0) * 3) < 0.5) {
        part = seg.windowPart;
      }
      cv.put(x, y, label, part);
      if (side !== sunSide) cv.shadow[y * cv.width + x] = 1;
    }
  }
  if (shadowDepth > 0) {
    // Ground within `shadowDepth` metres of the shaded facade line.
    for (let y = M.max(0, M.ceil(st.horizon + 0.5)); y < cv.height; y++) {
      const z = (st.focal * CAMERA_HEIGHT) / (y + 0.5 - st.horizon);
      for (let x = 0; x < cv.width; x++) {
        const xw = ((x + 0.5 - st.vx) * z) / st.focal;
        if ((lateral - xw) * side < shadowDepth && (lateral - xw) * side > 0) cv.shadow[y * cv.width + x] = 1;
      }
    }
  }
}

interface Placed {
  z: number;
  draw: () => void;
}

function drawObjects(cv: Canvas, rng: SceneRng, st: Street, mix: DomainMix, treeSides: boolean[]): void {
  const items: Placed[] = [];
  const zNear = (st.focal * CAMERA_HEIGHT) / (cv.height - st.horizon);
  const project = (x: number, z: number) => ({ x: st.vx + (st.focal * x) / z, y: st.horizon + (st.focal * CAMERA_HEIGHT) / z, s: st.focal / z });

  for (const side of [-1, 1] as const) {
    const s = side < 0 ? 0 : 1;
    const kerb = st.roadCentre + side * st.roadHalf;
    // Trees along the outer sidewalk edge.
    if (treeSides[s]) {
      for (let z = zNear + rng.uniform(1, 6); z < 90; z += rng.uniform(7, 14)) {
        const x = kerb + side * st.sidewalk[s] * rng.uniform(0.55, 0.8);
        const crown = rng.uniform(1.8, 3.2);
        const trunkH = rng.uniform(2.2, 3.5);
        const trunk = cv.addPart(Material.trunk, rng.next());
        const foliage = cv.addPart(Material.foliage, rng.next());
        const phase = rng.uniform(0, 6.28);
        const zz = z;
        items.push({
          z: zz,
          draw: () => {
            const p = project(x, zz);
            cv.fillRect(p.x - 0.15 * p.s, p.y - (trunkH + crown * 0.5) * p.s, p.x + 0.15 * p.s, p.y, LabelId.vegetation, trunk);
            const cy = p.y - (trunkH + crown) * p.s;
            cv.fillEllipse(p.x, cy, crown * p.s, crown * 1.1 * p.s, LabelId.vegetation, foliage, (a) => 1 + 0.18 * M.sin(5 * a + phase));
            cv.shade(p.x - crown * p.s, p.y - 0.3 * p.s, p.x + crown * p.s, p.y + 0.25 * p.s);
          },
        });
      }
    }
    // Poles near the kerb, carrying signs or traffic lights.
    for (let z = zNear + rng.uniform(2, 12); z < 80; z += rng.uniform(12, 30)) {
      const x = kerb + side * rng.uniform(0.35, 0.6);
      const h = rng.uniform(4, 8);
      const pole = cv.addPart(Material.pole, rng.next());
      const carries = rng.next();
      const sign = cv.addPart(Material.signFace, rng.next());
      const round = rng.chance(0.5);
      const box = cv.addPart(Material.lightBox, rng.next());
      const lamp = cv.addPart(Material.lightLamp, rng.next());
      const zz = z;
      items.push({
        z: zz,
        draw: () => {
          const p = project(x, zz);
          cv.fillRect(p.x - 0.08 * p.s, p.y - h * p.s, p.x + 0.08 * p.s, p.y, LabelId.pole, pole);
          if (carries < 0.45) {
            const cy = p.y - (h - 0.6) * p.s;
            if (round) cv.fillEllipse(p.x, cy, 0.35 * p.s, 0.35 * p.s, LabelId.trafficSign, sign);
            else cv.fillRect(p.x - 0.35 * p.s, cy - 0.35 * p.s, p.x + 0.35 * p.s, cy + 0.35 * p.s, LabelId.trafficSign, sign);
          } else if (carries < 0.8) {
            const top = p.y - h * p.s;
            cv.fillRect(p.x - 0.2 * p.s, top, p.x + 0.2 * p.s, top + 1.0 * p.s, LabelId.trafficLight, box);
            cv.fillEllipse(p.x, top + 0.25 * p.s, 0.1 * p.s, 0.1 * p.s, LabelId.trafficLight, lamp);
          }
        },
      });
    }
    // People on the sidewalk, some with a parked bicycle.
    const persons = rng.int(0, mix.personsMax);
    for (let k = 0; k < persons; k++) {
      const z = rng.uniform(zNear + 1, 45);
      const x = kerb + side * st.sidewalk[s] * rng.uniform(0.2, 0.9);
      const height = rng.uniform(1.55, 1.9);
      const shirt = cv.addPart(Material.clothing, rng.next());
      const trousers = cv.addPart(Material.clothing, rng.next());
      const skin = cv.addPart(Material.skin, rng.next());
      const withBike = rng.chance(0.3);
      const frame = cv.addPart(Material.bicycleFrame, rng.next());
      items.push({
        z,
        draw: () => {
          const p = project(x, z);
          const u = p.s;
          if (withBike) {
            const bx = p.x + side * 0.9 * u;
            const r = 0.33 * u;
            const t = M.max(1, 0.06 * u);
            cv.strokeCircle(bx - 0.55 * u, p.y - r, r, t, LabelId.bicycle, frame);
            cv.strokeCircle(bx + 0.55 * u, p.y - r, r, t, LabelId.bicycle, frame);
            cv.line(bx - 0.55 * u, p.y - r, bx, p.y - 0.85 * u, t, LabelId.bicycle, frame);
            cv.line(bx, p.y - 0.85 * u, bx + 0.55 * u, p.y - r, t, LabelId.bicycle, frame);
            cv.line(bx - 0.1 * u, p.y - 0.95 * u, bx + 0.45 * u, p.y - 0.95 * u, t, LabelId.bicycle, frame);
          }
          const legs = height * 0.47;
          cv.fillRect(p.x - 0.18 * u, p.y - legs * u, p.x - 0.02 * u, p.y, LabelId.person, trousers);
          cv.fillRect(p.x + 0.02 * u, p.y - legs * u, p.x + 0.18 * u, p.y, LabelId.person, trousers);
          cv.fillRect(p.x - 0.24 * u, p.y - (height - 0.25) * u, p.x + 0.24 * u, p.y - legs * u, LabelId.person, shirt);
          cv.fillEllipse(p.x, p.y - (height - 0.12) * u, 0.12 * u, 0.14 * u, LabelId.person, skin);
        },
      });
    }
    // Street clutter (bins, boxes, bollards): void classes, as in the real labels.
    if (rng.chance(0.5)) {
      const z = rng.uniform(zNear + 1, 40);
      const x = kerb + side * st.sidewalk[s] * rng.uniform(0.3, 0.9);
      const label = rng.chance(0.6) ? LabelId.static : LabelId.unlabeled;
      const part = cv.addPart(Material.clutter, rng.next());
      const w = rng.uniform(0.4, 1);
      const h = rng.uniform(0.6, 1.2);
      items.push({ z, draw: () => { const p = project(x, z); cv.fillRect(p.x - (w / 2) * p.s, p.y - h * p.s, p.x + (w / 2) * p.s, p.y, label, part); } });
    }
  }
  // Cars: in both lanes and parked along the kerbs.
  const cars = rng.int(2, mix.carsMax);
  for (let k = 0; k < cars; k++) {
    const lane = rng.pick([-0.5, 0.5, -0.82, 0.82]);
    const x = st.roadCentre + lane * st.roadHalf;
    const z = rng.uniform(zNear + 2.5, 70);
    if (M.abs(x) < 1.2 && z < zNear + 6) continue; // no car on the bonnet
    const body = cv.addPart(Material.carBody, rng.next());
    const glass = cv.addPart(Material.carWindow, rng.next());
    const wheel = cv.addPart(Material.wheel, rng.next());
    const lights = cv.addPart(Material.carLight, lane > 0 ? 0.2 : 0.8);
    const width = rng.uniform(1.7, 2.0);
    const height = rng.uniform(1.4, 1.7);
    items.push({
      z,
      draw: () => {
        const p = project(x, z);
        const u = p.s;
        const hw = (width / 2) * u;
        cv.shade(p.x - hw * 1.1, p.y - 0.2 * u, p.x + hw * 1.1, p.y + 0.35 * u);
        cv.fillRect(p.x - hw, p.y - 0.35 * u, p.x - hw + 0.35 * u, p.y, LabelId.car, wheel);
        cv.fillRect(p.x + hw - 0.35 * u, p.y - 0.35 * u, p.x + hw, p.y, LabelId.car, wheel);
        cv.fillRect(p.x - hw, p.y - 0.95 * u, p.x + hw, p.y - 0.25 * u, LabelId.car, body);
        cv.fillRect(p.x - hw * 0.82, p.y - height * u, p.x + hw * 0.82, p.y - 0.95 * u, LabelId.car, body);
        cv.fillRect(p.x - hw * 0.7, p.y - (height - 0.08) * u, p.x + hw * 0.7, p.y - 1.0 * u, LabelId.car, glass);
        cv.fillRect(p.x - hw * 0.95, p.y - 0.8 * u, p.x - hw * 0.7, p.y - 0.62 * u, LabelId.car, lights);
        cv.fillRect(p.x + hw * 0.7, p.y - 0.8 * u, p.x + hw * 0.95, p.y - 0.62 * u, LabelId.car, lights);
      },
    });
  }
  items.sort((a, b) => b.z - a.z);
  for (const item of items) item.draw();
}

/** The bonnet of the recording car at the bottom of the frame (Cityscapes labels it ego vehicle, id 1). */
function drawEgoHood(cv: Canvas, rng: SceneRng): void {
  const hood = cv.addPart(Material.egoHood, rng.next());
  const depth = cv.height * rng.uniform(0.06, 0.1);
  for (let x = 0; x < cv.width; x++) {
    const t = (x + 0.5) / cv.width - 0.5;
    const top = cv.height - depth * (1 - 1.6 * t * t);
    for (let y = M.max(0, M.ceil(top - 0.5)); y < cv.height; y++) cv.put(x, y, LabelId.egoVehicle, hood);
  }
}
