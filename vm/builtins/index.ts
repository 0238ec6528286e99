// All TypeScript builtins of the standard library, keyed by their Beagle
// name. `builtins` go into beagle.core; `nsBuiltins` into other namespaces.
import type { Builtin } from "./util.ts";
import { builtins as strings } from "./strings.ts";
import { builtins as math } from "./math.ts";
import { builtins as collections } from "./collections.ts";
import { builtins as core } from "./core.ts";
import { builtins as json } from "./json.ts";
import { builtins as fsB } from "./fs.ts";
import { builtins as io } from "./io.ts";
import { builtins as http } from "./http.ts";
import { builtins as ws } from "./ws.ts";
import { builtins as stringBuilder, moduleBuiltins as stringBuilderModule } from "./string-builder.ts";
import { builtins as arrayB, moduleBuiltins as mutableArrayModule } from "./array.ts";
import { moduleBuiltins as osModule } from "./os.ts";
import { moduleBuiltins as timeModule } from "./time.ts";
import { namespaces as lowLevel } from "./lowlevel.ts";
import { namespace as collectionsNs } from "./collections-ns.ts";
import { moduleBuiltins as bigintModule } from "./bigint.ts";
import { moduleBuiltins as regexModule } from "./regex.ts";
import { moduleBuiltins as ffiModule } from "./ffi.ts";

export const builtins: Record<string, Builtin> = {
  ...strings,
  ...math,
  ...collections,
  ...core,
  ...json,
  ...fsB,
  ...io,
  ...http,
  ...ws,
  ...stringBuilder,
  ...arrayB,
};

/**
 * Builtins that live outside beagle.core (beagle.fs/io/timer wrap core `__` helpers instead).
 * Each namespace here also has a stdlib .bg file (it may add functions written in Beagle).
 */
export const nsBuiltins: Record<string, Record<string, Builtin>> = {
  "beagle.string-builder": stringBuilderModule,
  "beagle.mutable-array": mutableArrayModule,
  "beagle.os": osModule,
  "beagle.time": timeModule,
  ...lowLevel,
  "beagle._collections": collectionsNs,
  "beagle.bigint": bigintModule,
  "beagle.regex": regexModule,
  "beagle.ffi": ffiModule,
};

export type { Builtin };
