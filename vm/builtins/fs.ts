// Synchronous filesystem builtins. The beagle.fs blocking handler
// (stdlib/beagle.fs.bg) calls the `__fs-*` functions, which return Result
// values; errno codes map onto the prelude Error enum:
//   ENOENT -> Error.NotFound { path }      EACCES/EPERM -> PermissionDenied { path }
//   EEXIST -> AlreadyExists { path }       EISDIR -> IsDirectory { path }
//   ENOTDIR -> NotDirectory { path }       ETIMEDOUT -> Timeout { operation }
//   anything else -> Error.IO { message: "<ERRNO>: <text>" }
// The upstream-named raw builtins (fs-unlink, fs-mkdir ... returning 0 or a
// negative errno) and read-full-file / write-full-file are here as well.
import * as fs from "node:fs";
import { constants as osConstants } from "node:os";
import type { Value } from "../values.ts";
import { err, errorValue, ok } from "../core-types.ts";
import { argInt, argStr, runtimeError, vecFrom, type Builtin } from "./util.ts";
import { MAX_READ_BYTES, fileTooLarge } from "../../runtime/file-ops.ts";

interface NodeErr {
  code?: string;
  message?: string;
  path?: string;
  errno?: number;
}

/**
 * "Directory not empty (os error 39)": the strerror text and errno number, the
 * same text the worker pool reports, whatever shape the error arrived in.
 */
function ioMessage(ne: NodeErr, code: string): string {
  let text = ne?.message ?? String(ne);
  if (text.startsWith(`${code}: `)) text = text.slice(code.length + 2);
  const comma = text.indexOf(", ");
  if (comma >= 0 && !/\(os error \d+\)$/.test(text)) text = text.slice(0, comma);
  text = text.charAt(0).toUpperCase() + text.slice(1);
  const errno = (osConstants.errno as Record<string, number>)[code];
  return /\(os error \d+\)$/.test(text) || errno === undefined ? text : `${text} (os error ${errno})`;
}

/** Map a Node fs error to a prelude `Error` variant. */
export function errorFromNode(e: unknown, path: string, operation = "io"): Value {
  const ne = e as NodeErr;
  const p = path;
  switch (ne?.code) {
    case "ENOENT":
      return errorValue("NotFound", { path: p });
    case "EACCES":
    case "EPERM":
      return errorValue("PermissionDenied", { path: p });
    case "EEXIST":
      return errorValue("AlreadyExists", { path: p });
    case "EISDIR":
      return errorValue("IsDirectory", { path: p });
    case "ENOTDIR":
      return errorValue("NotDirectory", { path: p });
    case "ETIMEDOUT":
      return errorValue("Timeout", { operation });
    default: {
      const code = ne?.code ?? "EIO";
      return errorValue("IO", { message: `${code}: ${ioMessage(ne, code)}` });
    }
  }
}

function attempt(path: string, op: string, f: () => Value): Value {
  try {
    return ok(f());
  } catch (e) {
    return err(errorFromNode(e, path, op));
  }
}

/** Negative errno for the raw upstream-style builtins. */
function negErrno(e: unknown): number {
  const code = (e as NodeErr)?.code;
  const n = code ? (osConstants.errno as Record<string, number>)[code] : undefined;
  return -(n ?? 1);
}

function raw(f: () => void): number {
  try {
    f();
    return 0;
  } catch (e) {
    return negErrno(e);
  }
}

const byteLength = (s: string): number => Buffer.byteLength(s, "utf8");

/** A whole file as text, or EFBIG past MAX_READ_BYTES (never a silently empty string). */
function readText(path: string): string {
  const fd = fs.openSync(path, "r");
  try {
    const size = fs.fstatSync(fd).size;
    if (size > MAX_READ_BYTES) throw fileTooLarge(path, size);
    return fs.readFileSync(fd, "utf8");
  } finally {
    fs.closeSync(fd);
  }
}

function removeAll(path: string): void {
  const st = fs.lstatSync(path);
  if (st.isDirectory()) fs.rmSync(path, { recursive: true, force: false });
  else fs.unlinkSync(path);
}

function mkdirAll(path: string): void {
  if (path === "" || path === "/") return;
  fs.mkdirSync(path, { recursive: true, mode: 0o755 });
}

export const builtins: Record<string, Builtin> = {
  // ---- Result-returning operations used by beagle.fs
  "__fs-read-file"(p) {
    const path = argStr(p, "read-file");
    return attempt(path, "read-file", () => readText(path));
  },
  "__fs-write-file"(p, c) {
    const path = argStr(p, "write-file");
    const content = argStr(c, "write-file");
    return attempt(path, "write-file", () => {
      fs.writeFileSync(path, content);
      return byteLength(content);
    });
  },
  "__fs-append-file"(p, c) {
    const path = argStr(p, "append-file");
    const content = argStr(c, "append-file");
    return attempt(path, "append-file", () => {
      fs.appendFileSync(path, content);
      return byteLength(content);
    });
  },
  "__fs-delete-file"(p) {
    const path = argStr(p, "delete-file");
    return attempt(path, "delete-file", () => {
      fs.unlinkSync(path);
      return null;
    });
  },
  "__fs-exists?"(p) {
    return fs.existsSync(argStr(p, "exists?"));
  },
  "__fs-file-size"(p) {
    const path = argStr(p, "file-size");
    return attempt(path, "file-size", () => fs.statSync(path).size);
  },
  "__fs-is-file?"(p) {
    try {
      return fs.statSync(argStr(p, "is-file?")).isFile();
    } catch {
      return false;
    }
  },
  "__fs-is-directory?"(p) {
    try {
      return fs.statSync(argStr(p, "is-directory?")).isDirectory();
    } catch {
      return false;
    }
  },
  "__fs-rename"(a, b) {
    const from = argStr(a, "rename");
    const to = argStr(b, "rename");
    return attempt(from, "rename", () => {
      fs.renameSync(from, to);
      return null;
    });
  },
  "__fs-copy"(a, b) {
    const from = argStr(a, "copy");
    const to = argStr(b, "copy");
    return attempt(from, "copy", () => {
      fs.copyFileSync(from, to);
      return fs.statSync(to).size;
    });
  },
  "__fs-read-dir"(p) {
    const path = argStr(p, "read-dir");
    return attempt(path, "read-dir", () => vecFrom(fs.readdirSync(path)));
  },
  "__fs-create-dir"(p) {
    const path = argStr(p, "create-dir");
    return attempt(path, "create-dir", () => {
      fs.mkdirSync(path, { mode: 0o755 });
      return null;
    });
  },
  "__fs-create-dir-all"(p) {
    const path = argStr(p, "create-dir-all");
    return attempt(path, "create-dir-all", () => {
      mkdirAll(path);
      return null;
    });
  },
  "__fs-remove-dir"(p) {
    const path = argStr(p, "remove-dir");
    return attempt(path, "remove-dir", () => {
      fs.rmdirSync(path);
      return null;
    });
  },
  "__fs-remove-dir-all"(p) {
    const path = argStr(p, "remove-dir-all");
    return attempt(path, "remove-dir-all", () => {
      removeAll(path);
      return null;
    });
  },

  // ---- upstream's raw synchronous builtins (0 / negative errno)
  "fs-unlink"(p) {
    return raw(() => fs.unlinkSync(argStr(p, "fs-unlink")));
  },
  "fs-access"(p, mode) {
    return raw(() => fs.accessSync(argStr(p, "fs-access"), argInt(mode, "fs-access")));
  },
  "fs-mkdir"(p, mode) {
    return raw(() => fs.mkdirSync(argStr(p, "fs-mkdir"), { mode: argInt(mode, "fs-mkdir") }));
  },
  "fs-rmdir"(p) {
    return raw(() => fs.rmdirSync(argStr(p, "fs-rmdir")));
  },
  "fs-rename"(a, b) {
    return raw(() => fs.renameSync(argStr(a, "fs-rename"), argStr(b, "fs-rename")));
  },
  "fs-is-directory?"(p) {
    try {
      return fs.statSync(argStr(p, "fs-is-directory?")).isDirectory();
    } catch {
      return false;
    }
  },
  "fs-is-file?"(p) {
    try {
      return fs.statSync(argStr(p, "fs-is-file?")).isFile();
    } catch {
      return false;
    }
  },
  "fs-readdir"(p) {
    try {
      return vecFrom(fs.readdirSync(argStr(p, "fs-readdir")));
    } catch {
      return null;
    }
  },
  "fs-file-size"(p) {
    try {
      return fs.statSync(argStr(p, "fs-file-size")).size;
    } catch {
      return -1;
    }
  },

  // ---- whole-file helpers (throw on failure)
  "read-full-file"(p) {
    const path = argStr(p, "read-full-file");
    try {
      return readText(path);
    } catch (e) {
      runtimeError("IOError", `Failed to read file '${path}': ${(e as NodeErr).message ?? String(e)}`);
    }
  },
  "write-full-file"(p, c) {
    const path = argStr(p, "write-full-file");
    const content = argStr(c, "write-full-file");
    try {
      fs.writeFileSync(path, content);
      return null;
    } catch (e) {
      runtimeError("IOError", `Failed to write file '${path}': ${(e as NodeErr).message ?? String(e)}`);
    }
  },
};
