// The Beagle value model. Every Beagle value is one of:
//
//   Int      a JS number that is an integer in the safe range (the fast path),
//            or a JS bigint for the rare 61-bit value outside ±(2^53-1).
//            Ints are normalised: a bigint never holds a safe-range value.
//   Float    a JS number that is not an integer (0.5, NaN, ±Infinity), or a
//            BFloat box for an integral-valued float (1.0, -0.0, 1e300), so
//            that `1.0` and `1` stay distinguishable without boxing every float.
//   String   a JS string.             Keyword  an interned Keyword.
//   null, true, false                 — JS's own.
//   Struct   an instance of a StructType (user structs, enum variants, Atom...).
//   PersistentVector / PersistentMap / PersistentSet (vm/collections/).
//   Closure, Builtin, Protocol, TypeDescriptor, Continuation and a few runtime
//   objects (defined where they are implemented).

export class BFloat {
  constructor(readonly v: number) {}
}

/** Make a Float from a JS number: boxes integral values so they stay Floats. */
export function mkFloat(x: number): number | BFloat {
  return Number.isInteger(x) || Object.is(x, -0) ? new BFloat(x) : x;
}

export const INT_MIN = -(1n << 60n);
export const INT_MAX = (1n << 60n) - 1n;

/** Wrap a bigint to 61-bit two's complement and normalise to number when safe. */
export function normInt(x: bigint): number | bigint {
  const w = BigInt.asIntN(61, x);
  return w >= -9007199254740991n && w <= 9007199254740991n ? Number(w) : w;
}

export function isInt(v: unknown): v is number | bigint {
  return (typeof v === "number" && Number.isInteger(v) && !Object.is(v, -0)) || typeof v === "bigint";
}

export function isFloat(v: unknown): v is number | BFloat {
  return (typeof v === "number" && (!Number.isInteger(v) || Object.is(v, -0))) || v instanceof BFloat;
}

/** The JS number value of an Int or Float (bigints lose precision). */
export function toNum(v: number | bigint | BFloat): number {
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : v.v;
}

// ---------------------------------------------------------------- keywords

export class Keyword {
  private constructor(readonly name: string) {}
  private static table = new Map<string, Keyword>();
  static of(name: string): Keyword {
    let k = Keyword.table.get(name);
    if (!k) {
      k = new Keyword(name);
      Keyword.table.set(name, k);
    }
    return k;
  }
}

export const kw = Keyword.of;

// ---------------------------------------------------------------- structs and enums

let nextTypeId = 1;

/**
 * A struct type, or one variant of an enum (then `enumType` is set and
 * `name` is the variant name). Instances are `Struct` objects.
 */
export class StructType {
  readonly id = nextTypeId++;
  /** field name -> slot */
  readonly slots = new Map<string, number>();
  enumType: EnumType | null = null;
  /** For unit variants (`E.V` with no braces): the single shared instance. */
  unit: Struct | null = null;
  /** per slot: a zero-argument closure computing the default, or null */
  defaults: (Value | null)[] = [];
  /** set when the struct was redefined (through `eval`): the newer definition */
  successor: StructType | null = null;
  /** protocol methods implemented for this type (`extend`), carried over to a redefinition */
  extendedBy: { pm: { impls: Map<unknown, Value>; paramImpls: Map<unknown, Map<unknown, Value>> }; arg: unknown }[] =
    [];
  constructor(
    readonly ns: string,
    readonly name: string,
    readonly fields: string[],
    readonly mutable: boolean[] = fields.map(() => false),
  ) {
    for (const [i, f] of fields.entries()) this.slots.set(f, i);
  }
  /** How the type prints: `Point`, or `Result.Ok` for a variant. */
  get displayName(): string {
    return this.enumType ? `${this.enumType.name}.${this.name}` : this.name;
  }
  get qualifiedName(): string {
    return this.enumType ? `${this.ns}/${this.enumType.name}.${this.name}` : `${this.ns}/${this.name}`;
  }
  beaglePrint(): string {
    return this.qualifiedName;
  }
}

export class EnumType {
  readonly id = nextTypeId++;
  readonly variants = new Map<string, StructType>();
  /** set when the enum was redefined (through `eval`): the newer definition */
  successor: EnumType | null = null;
  /** protocol methods implemented for this enum (`extend`), carried over to a redefinition */
  extendedBy: StructType["extendedBy"] = [];
  constructor(
    readonly ns: string,
    readonly name: string,
  ) {}
  beaglePrint(): string {
    return `${this.ns}/${this.name}`;
  }
  addVariant(name: string, fields: string[] | null): StructType {
    const t = new StructType(this.ns, name, fields ?? []);
    t.enumType = this;
    if (fields === null) t.unit = new Struct(t, []);
    this.variants.set(name, t);
    return t;
  }
}

export class Struct {
  constructor(
    public type: StructType,
    readonly f: Value[],
  ) {}
}

// ---------------------------------------------------------------- struct redefinition
//
// Redefining a struct makes a new StructType and links the old one to it (`successor`).
// The variable names the newest; an instance made before keeps its own type and layout,
// which stay consistent (so field caches keyed by type remain right), until something asks
// about its identity or a field its layout lacks: then `migrate` moves it, in place, to the
// newest layout (fields by name; added fields take their default or null, removed ones go).

let fieldDefault: (thunk: Value) => Value = () => null;
/** How a field default (a zero-argument closure) is evaluated; installed by the VM. */
export function setFieldDefaultEvaluator(f: (thunk: Value) => Value) {
  fieldDefault = f;
}

/** The newest definition of a struct type. */
export function newestType(t: StructType): StructType {
  while (t.successor !== null) t = t.successor;
  return t;
}

/** Move an instance of a redefined struct to the newest layout (no-op otherwise). */
export function migrate(s: Struct): void {
  const old = s.type;
  if (old.successor === null) return;
  const t = newestType(old);
  const nf: Value[] = new Array(t.fields.length);
  for (let i = 0; i < t.fields.length; i++) {
    const at = old.slots.get(t.fields[i]!);
    const d = t.defaults[i];
    nf[i] = at !== undefined ? s.f[at] : d ? fieldDefault(d) : null;
  }
  s.type = t;
  (s as { f: Value[] }).f = nf;
}

/** TestType for a struct made before its type was redefined: migrate it, then compare. */
export function testStaleType(v: Struct, t: unknown): boolean {
  migrate(v);
  // a pattern compiled against an older definition matches instances of the newest one
  let want: unknown = t instanceof StructType ? newestType(t) : t;
  if (want instanceof EnumType) {
    let e: EnumType = want;
    while (e.successor !== null) e = e.successor;
    want = e;
  }
  return v.type === want || v.type.enumType === want;
}

// ---------------------------------------------------------------- misc runtime objects

/** A built-in type descriptor: `Int`, `String`, `PersistentVector`, ... */
export class TypeDescriptor {
  constructor(readonly name: string) {}
  beaglePrint(): string {
    return this.name;
  }
}

/** Generic value type used across the VM. Kept loose on purpose. */
// biome-ignore lint/suspicious/noExplicitAny: the one deliberate any: a Beagle value is any JS value the VM may hold
export type Value = any;
