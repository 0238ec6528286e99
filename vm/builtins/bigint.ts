// Arithmetic for beagle.bigint on JS BigInt. A Beagle BigInt is the struct
// `BigInt { sign, limbs }` (sign -1/0/1, limbs: base-10000 digits, least
// significant first, no trailing zeros; zero is sign 0 with no limbs), as
// upstream lays it out; these natives convert to a JS bigint, compute, and
// hand back [sign, limbs] for the Beagle side to wrap.
import { BeagleThrow } from "../errors.ts";
import { Struct, type Value } from "../values.ts";
import { argInt, argStr, kindName, typeError, vecFrom, vecToArray, type Builtin } from "./util.ts";

const BASE = 10000n;

function toBig(v: Value, fn: string): bigint {
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (typeof v === "bigint") return v;
  if (!(v instanceof Struct) || v.type.name !== "BigInt")
    typeError(`beagle.bigint/${fn}: expected a BigInt, got ${kindName(v)}`);
  const sign = v.f[v.type.slots.get("sign")!] as number;
  const limbs = vecToArray(v.f[v.type.slots.get("limbs")!]) as number[];
  let x = 0n;
  for (let i = limbs.length - 1; i >= 0; i--) x = x * BASE + BigInt(limbs[i]!);
  return sign < 0 ? -x : x;
}

function parts(x: bigint): Value {
  if (x === 0n) return vecFrom([0, vecFrom([])]);
  const sign = x < 0n ? -1 : 1;
  let m = x < 0n ? -x : x;
  const limbs: number[] = [];
  while (m > 0n) {
    limbs.push(Number(m % BASE));
    m /= BASE;
  }
  return vecFrom([sign, vecFrom(limbs)]);
}

export const moduleBuiltins: Record<string, Builtin> = {
  "__from-int"(n) {
    argInt(n, "from-int");
    return parts(BigInt(n as number | bigint));
  },
  "__from-string"(s) {
    const str = argStr(s, "from-string");
    if (str.length === 0) throw new BeagleThrow("beagle.bigint/from-string: empty string");
    const start = str[0] === "-" || str[0] === "+" ? 1 : 0;
    if (start >= str.length) throw new BeagleThrow("beagle.bigint/from-string: no digits");
    if (!/^[0-9]+$/.test(str.slice(start))) throw new BeagleThrow("beagle.bigint/from-string: invalid digit");
    const m = BigInt(str.slice(start));
    return parts(str[0] === "-" ? -m : m);
  },
  __op(op, a, b) {
    const x = toBig(a, String(op));
    if (op === "pow") {
      const e = argInt(b, "pow", "exponent");
      if (e < 0) throw new BeagleThrow("beagle.bigint/pow: negative exponent");
      return parts(x ** BigInt(e));
    }
    const y = toBig(b, String(op));
    switch (op) {
      case "add":
        return parts(x + y);
      case "sub":
        return parts(x - y);
      case "mul":
        return parts(x * y);
      case "divmod":
        if (y === 0n) throw new BeagleThrow("beagle.bigint/divmod: division by zero");
        return vecFrom([parts(x / y), parts(x % y)]);
      case "compare":
        return x < y ? -1 : x > y ? 1 : 0;
    }
    typeError(`beagle.bigint: unknown operation ${String(op)}`);
  },
  "__to-string": (a) => toBig(a, "to-string").toString(),
};
