// beagle.regex: compiled regular expressions on JS RegExp.
//
// Patterns are written in upstream's (Rust regex crate) syntax; the parts JS
// spells differently are translated: `(?P<name>` groups, a leading inline
// flag group such as `(?i)` or `(?ms)`, and `${name}` / `$name` references in
// replacements. Matching is unanchored; results are strings (find, find-all,
// split, captures) and code-point offsets (positions, for the wrapper).
// An invalid pattern is a RegexError.
import type { Value } from "../values.ts";
import { T } from "../types.ts";
import { argStr, kindName, runtimeError, typeError, vecFrom, type Builtin } from "./util.ts";
import { u16ToCp } from "./strings.ts";
import { PersistentMap } from "./util.ts";
import { Keyword } from "../values.ts";

export class BRegex {
  constructor(
    readonly source: string,
    readonly re: RegExp, // global ("g") so exec walks the string
  ) {}
  beagleType() {
    return T.Regex;
  }
  beaglePrint(): string {
    return "#regex";
  }
}

function translate(p: string): { src: string; flags: string } {
  let flags = "";
  let src = p;
  const lead = /^\(\?([imsx]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]!) if (f !== "x" && !flags.includes(f)) flags += f;
    src = src.slice(lead[0].length);
  }
  src = src.replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, "(?<$1>");
  return { src, flags };
}

export function compileRegex(p: string): BRegex {
  const { src, flags } = translate(p);
  try {
    return new BRegex(p, new RegExp(src, flags + "g"));
  } catch (e) {
    runtimeError("RegexError", `invalid regex ${JSON.stringify(p)}: ${(e as Error).message}`);
  }
}

function rx(v: Value, fn: string): RegExp {
  if (v instanceof BRegex) return v.re;
  if (typeof v === "string") return compileRegex(v).re;
  typeError(`regex/${fn}: expected a regex, got ${kindName(v)}`);
}

/** Every match, empty ones included, stepping past an empty match by one code point. */
function allMatches(re: RegExp, s: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (;;) {
    const m = re.exec(s);
    if (!m) break;
    out.push(m);
    if (m[0].length === 0) {
      const c = s.charCodeAt(re.lastIndex);
      re.lastIndex += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
      if (re.lastIndex > s.length) break;
    }
  }
  re.lastIndex = 0;
  return out;
}

function first(re: RegExp, s: string): RegExpExecArray | null {
  re.lastIndex = 0;
  const m = re.exec(s);
  re.lastIndex = 0;
  return m;
}

/** Rust replacement syntax to JS: ${name} / $name -> $<name>, ${1} -> $1. */
function replacement(r: string): string {
  return r.replace(/\$(\$|\{([^}]*)\}|([0-9]+)|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, _all, braced, num, name) => {
    if (_all === "$") return "$$";
    const g = braced ?? num ?? name;
    return /^[0-9]+$/.test(g) ? `$${g}` : `$<${g}>`;
  });
}

export const moduleBuiltins: Record<string, Builtin> = {
  compile: (p) => compileRegex(argStr(p, "regex/compile", "pattern string")),
  "is-regex?": (v) => v instanceof BRegex,
  "matches?"(re, s) {
    return first(rx(re, "matches?"), argStr(s, "regex/matches?")) !== null;
  },
  find(re, s) {
    const m = first(rx(re, "find"), argStr(s, "regex/find"));
    return m ? m[0] : null;
  },
  "find-all"(re, s) {
    return vecFrom(
      allMatches(rx(re, "find-all"), argStr(s, "regex/find-all"))
        .map((m) => m[0])
        .filter((x) => x !== ""),
    );
  },
  /** Every match (empty ones too) as {:match :start :end}, offsets in code points. */
  positions(re, s) {
    const str = argStr(s, "regex/positions");
    return vecFrom(
      allMatches(rx(re, "positions"), str).map((m) => {
        const start = u16ToCp(str, m.index);
        return PersistentMap.from([
          [Keyword.of("match"), m[0]],
          [Keyword.of("start"), start],
          [Keyword.of("end"), start + u16ToCp(m[0], m[0].length)],
        ]);
      }),
    );
  },
  split(re, s) {
    const str = argStr(s, "regex/split");
    const parts: string[] = [];
    let prev = 0;
    for (const m of allMatches(rx(re, "split"), str)) {
      if (m[0].length === 0 && (m.index === 0 || m.index === str.length)) continue;
      parts.push(str.slice(prev, m.index));
      prev = m.index + m[0].length;
    }
    parts.push(str.slice(prev));
    return vecFrom(parts);
  },
  captures(re, s) {
    const m = first(rx(re, "captures"), argStr(s, "regex/captures"));
    return m ? vecFrom(Array.from(m, (g) => (g === undefined ? null : g))) : null;
  },
  replace(re, s, r) {
    const src = rx(re, "replace");
    const once = new RegExp(src.source, src.flags.replace("g", ""));
    return argStr(s, "regex/replace").replace(once, replacement(argStr(r, "regex/replace", "replacement")));
  },
  "replace-all"(re, s, r) {
    const src = rx(re, "replace-all");
    src.lastIndex = 0;
    return argStr(s, "regex/replace-all").replace(src, replacement(argStr(r, "regex/replace-all", "replacement")));
  },
};
