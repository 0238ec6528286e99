// Runtime objects of the VM: functions, variables, frames, fibers,
// continuations and protocols.
import type { FnProto } from "./bytecode.ts";
import type { Value } from "./values.ts";

/** A mutable local captured by a closure. */
export class Cell {
  constructor(public v: Value) {}
}

/** A namespace-level variable. `value === undefined` means "declared, not yet defined". */
export class Var {
  value: Value = undefined;
  dynamic = false;
  /** letonce: keep the first value */
  once = false;
  doc: string | null = null;
  constructor(
    readonly ns: string,
    readonly name: string,
  ) {}
}

export class Namespace {
  readonly vars = new Map<string, Var>();
  /** `use x.y as alias` */
  readonly aliases = new Map<string, string>();
  constructor(readonly name: string) {}
  intern(name: string): Var {
    let v = this.vars.get(name);
    if (!v) {
      v = new Var(this.name, name);
      this.vars.set(name, v);
    }
    return v;
  }
}

export class Closure {
  /**
   * For boundary thunks (try/handle/reset bodies): the frame `return` goes to,
   * as the identity token in that frame's `origin` (copies made by resuming a
   * continuation share it).
   */
  home: object | null = null;
  /** An arity of a multi-arity function: what the function's own name means inside it. */
  owner: MultiFn | null = null;
  constructor(
    readonly proto: FnProto,
    readonly env: Value[],
  ) {}
  beaglePrint(): string {
    return `fn(${this.proto.qualifiedName})`;
  }
}

/** A function written in TypeScript. It must not call back into Beagle code. */
export class Builtin {
  constructor(
    readonly name: string,
    readonly fn: (...args: Value[]) => Value,
  ) {}
  beaglePrint(): string {
    return `fn(${this.name})`;
  }
}

/**
 * A builtin that manipulates the VM directly (apply, resume, thread, ...).
 * It receives the fiber and its arguments and either returns a value
 * (pushed as the call's result) or returns INTRINSIC_DONE after arranging
 * frames itself.
 */
export class Intrinsic {
  constructor(
    readonly name: string,
    readonly fn: (fiber: Fiber, args: Value[]) => Value,
  ) {}
  beaglePrint(): string {
    return `fn(${this.name})`;
  }
}
export const INTRINSIC_DONE = Symbol("intrinsic-done");

/** `fn f { () => ...  (x) => ... }`: one closure per arity, plus an optional variadic one. */
export class MultiFn {
  constructor(
    readonly name: string,
    readonly byArity: (Closure | undefined)[],
    readonly variadic: Closure | null,
  ) {
    for (const c of byArity) if (c) c.owner = this;
    if (variadic) variadic.owner = this;
  }
  beaglePrint(): string {
    return `fn(${this.name})`;
  }
}

export class Protocol {
  /** method name -> method */
  readonly methods = new Map<string, ProtocolMethod>();
  constructor(
    readonly ns: string,
    readonly name: string,
  ) {}
  beaglePrint(): string {
    return `Protocol { name: "${this.ns}/${this.name}" }`;
  }
}

/** A protocol method: a function value that dispatches on its first argument's type. */
/** Bumped whenever any protocol method's implementations change: compiled call sites cache what they resolved until then. */
export const protocolVersion = { v: 0 };

class ImplMap extends Map<unknown, Value> {
  override set(k: unknown, v: Value): this {
    protocolVersion.v++;
    return super.set(k, v);
  }
  override delete(k: unknown): boolean {
    protocolVersion.v++;
    return super.delete(k);
  }
  override clear() {
    protocolVersion.v++;
    super.clear();
  }
}

export class ProtocolMethod {
  /** type key (StructType, EnumType or TypeDescriptor) -> implementation; keyed per protocol argument too */
  readonly impls: Map<unknown, Value> = new ImplMap();
  #defaultImpl: Value = null;
  get defaultImpl(): Value {
    return this.#defaultImpl;
  }
  set defaultImpl(v: Value) {
    protocolVersion.v++;
    this.#defaultImpl = v;
  }
  /** parameterised protocols (Handler(E)): argument type -> (type key -> impl) */
  readonly paramImpls = new Map<unknown, Map<unknown, Value>>();
  constructor(
    readonly protocol: Protocol,
    readonly name: string,
  ) {}
  beaglePrint(): string {
    return `fn(${this.protocol.ns}/${this.name})`;
  }
}

export const enum FrameKind {
  Normal = 0,
  Handle = 1,
  Try = 2,
  Reset = 3,
  Binding = 4,
  /**
   * A tail-resumptive handler's `handle` call running on top of the frames that performed
   * (vm/interp.ts, Op.Perform): data = its distance down to the Handle frame. Searches for
   * handlers, try boundaries, resets and dynamic bindings skip from it to below that Handle.
   */
  HandlerRun = 5,
}

export class Frame {
  pc = 0;
  sp: number;
  kind: FrameKind = FrameKind.Normal;
  /** Handle: effect type key; Try: catch closure; Binding: the Var */
  tag: Value = null;
  /** Handle: handler value; Try: resumable?; Binding: bound value */
  data: Value = null;
  /**
   * Identity token shared by a frame and every copy made of it when a
   * continuation is resumed; created when the frame first makes a thunk
   * closure (whose `home` it becomes), so `return`/`break` inside a resumed
   * copy find the copy of their home. A token, not the frame itself, so
   * copies do not keep the original's registers alive.
   */
  origin: object | null = null;
  constructor(
    public closure: Closure,
    public regs: Value[],
  ) {
    this.sp = closure.proto.nlocals;
  }
  clone(): Frame {
    const f = new Frame(this.closure, this.regs.slice());
    f.pc = this.pc;
    f.sp = this.sp;
    f.kind = this.kind;
    f.tag = this.tag;
    f.data = this.data;
    f.origin = this.origin;
    return f;
  }
}

/**
 * A captured, delimited continuation: the frames from a boundary (handle,
 * try or reset) up to the capture point. Resuming pushes copies, so it can
 * be resumed any number of times.
 */
export class Continuation {
  constructor(readonly frames: Frame[]) {}
  beaglePrint(): string {
    return "Continuation";
  }
}

export const enum FiberState {
  Runnable,
  Parked,
  Done,
}

let nextFiberId = 0;

export class Fiber {
  readonly id = nextFiberId++;
  frames: Frame[] = [];
  state = FiberState.Runnable;
  /** number of Binding frames on the stack (fast path for dynamic lookups) */
  bindings = 0;
  /** the value the fiber finished with */
  result: Value = null;
  /** set while parked: resumed by the scheduler with this value */
  onDone: ((f: Fiber) => void) | null = null;
  /** error that killed it (uncaught) */
  error: Value = undefined;
  isMain = false;
  /** run by the scheduler (vm.spawn), so it may park; callSync fibers may not */
  scheduled = false;
  isThread = false;
  /** While parked on an operation that holds a resource (fd watch, timer, pool slot): releases it. */
  release: (() => void) | null = null;
  /** set-thread-exception-handler! */
  exceptionHandler: Value = null;
  /** A fiber made for a synchronous call (VM.callSync) runs on behalf of this one: its dynamic bindings show through. */
  parent: Fiber | null = null;
  /** its TaskInfo (vm/async/tasks.ts) once the async runtime has looked at it: a field, not a WeakMap */
  task: object | null = null;
}
