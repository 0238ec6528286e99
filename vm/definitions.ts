// Where each top-level definition (fn, struct, enum) came from: its file, the
// byte range of its text there, the text itself and, for functions, the
// parameter names. The code generator records an entry per namespace variable
// when it compiles the definition; beagle.reflect (vm/builtins/reflect.ts)
// reads them. Definitions made by `eval` carry the file "<eval>" and no
// on-disk location.
import type { Var } from "./objects.ts";

export interface Definition {
  file: string;
  /** UTF-16 offsets into the file's text as loaded */
  start: number;
  end: number;
  text: string;
  /** parameter names of each arity (functions only) */
  params: string[] | null;
  variadic: boolean;
  /** the order definitions were made in */
  seq: number;
}

const defs = new WeakMap<Var, Definition>();
let seq = 0;

export function recordDefinition(v: Var, d: Omit<Definition, "seq">) {
  defs.set(v, { ...d, seq: seq++ });
}

export function definitionOf(v: Var): Definition | undefined {
  return defs.get(v);
}
