// beagle._collections: upstream's direct entry points to its collection
// implementations (vec-*, map-*, set-*), here over our persistent collections,
// plus the mutable map (a JS Map keyed by Beagle equality through the
// persistent map's hashing: each put replaces the map it holds).
import type { Value } from "../values.ts";
import {
  EMPTY_MAP,
  EMPTY_SET,
  EMPTY_VEC,
  NOT_FOUND,
  PersistentMap,
  PersistentSet,
  PersistentVector,
  argInt,
  kindName,
  mapEntries,
  mapKeys,
  setToArray,
  typeError,
  vecFrom,
  vecToArray,
  type Builtin,
} from "./util.ts";

function vec(v: Value, fn: string): PersistentVector {
  if (!(v instanceof PersistentVector)) typeError(`${fn}: expected a vector, got ${kindName(v)}`);
  return v;
}
function map(m: Value, fn: string): PersistentMap {
  if (!(m instanceof PersistentMap)) typeError(`${fn}: expected a map, got ${kindName(m)}`);
  return m;
}
function set(s: Value, fn: string): PersistentSet {
  if (!(s instanceof PersistentSet)) typeError(`${fn}: expected a set, got ${kindName(s)}`);
  return s;
}

/** A map changed in place: it holds a persistent map and swaps it on each write. */
export class MutableMap {
  m: PersistentMap = EMPTY_MAP() as PersistentMap;
  beaglePrint(): string {
    return "MutableMap";
  }
}
function mm(m: Value, fn: string): MutableMap {
  if (!(m instanceof MutableMap)) typeError(`${fn}: expected a mutable map, got ${kindName(m)}`);
  return m;
}

export const namespace: Record<string, Builtin> = {
  vec: () => EMPTY_VEC(),
  "vec-push": (v, x) => vec(v, "vec-push").push(x),
  "vec-get"(v, i) {
    const p = vec(v, "vec-get");
    const k = argInt(i, "vec-get", "index");
    return k >= 0 && k < p.count ? p.get(k) : null;
  },
  "vec-count": (v) => vec(v, "vec-count").count,
  "vec-assoc"(v, i, x) {
    const p = vec(v, "vec-assoc");
    const k = argInt(i, "vec-assoc", "index");
    if (k < 0 || k > p.count) typeError(`vec-assoc: index ${k} out of bounds for vector of ${p.count}`);
    return k === p.count ? p.push(x) : p.assoc(k, x);
  },
  "vec-pop": (v) => (vec(v, "vec-pop").count === 0 ? v : (v as PersistentVector).pop()),
  "vec-to-array": (v) => vecToArray(vec(v, "vec-to-array")).slice(),
  "array-to-vec"(a) {
    if (!Array.isArray(a)) typeError(`array-to-vec: expected an array, got ${kindName(a)}`);
    return vecFrom(a.slice());
  },
  map: () => EMPTY_MAP(),
  "map-assoc": (m, k, v) => map(m, "map-assoc").assoc(k, v),
  "map-get"(m, k) {
    const r = map(m, "map-get").get(k, NOT_FOUND);
    return r === NOT_FOUND ? null : r;
  },
  "map-get-default"(m, k, d) {
    const r = map(m, "map-get-default").get(k, NOT_FOUND);
    return r === NOT_FOUND ? d : r;
  },
  "map-count": (m) => map(m, "map-count").count,
  "map-contains?": (m, k) => map(m, "map-contains?").has(k),
  "map-dissoc": (m, k) => map(m, "map-dissoc").dissoc(k),
  "map-find"(m, k) {
    const r = map(m, "map-find").get(k, NOT_FOUND);
    return r === NOT_FOUND ? null : vecFrom([k, r]);
  },
  "map-keys": (m) => vecFrom(mapKeys(map(m, "map-keys"))),
  set: () => EMPTY_SET(),
  "set-add": (s, x) => set(s, "set-add").add(x),
  "set-contains?": (s, x) => set(s, "set-contains?").has(x),
  "set-count": (s) => set(s, "set-count").count,
  "set-disj": (s, x) => set(s, "set-disj").remove(x),
  "set-elements": (s) => vecFrom(setToArray(set(s, "set-elements"))),
  "mutable-map": () => new MutableMap(),
  "mutable-map-with-capacity": (_n) => new MutableMap(),
  "mutable-map-put!"(m, k, v) {
    const x = mm(m, "mutable-map-put!");
    x.m = x.m.assoc(k, v);
    return m;
  },
  "mutable-map-get"(m, k) {
    const r = mm(m, "mutable-map-get").m.get(k, NOT_FOUND);
    return r === NOT_FOUND ? null : r;
  },
  "mutable-map-increment!"(m, k) {
    const x = mm(m, "mutable-map-increment!");
    const r = x.m.get(k, NOT_FOUND);
    x.m = x.m.assoc(k, r === NOT_FOUND ? 1 : (r as number) + 1);
    return m;
  },
  "mutable-map-count": (m) => mm(m, "mutable-map-count").m.count,
  "mutable-map-entries": (m) => mapEntries(mm(m, "mutable-map-entries").m).map(([k, v]) => vecFrom([k, v])),
};
