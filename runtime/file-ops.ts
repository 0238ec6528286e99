// The vocabulary shared by the file pool's main side and its workers: which
// operations exist, their wire codes, and the shape of their results.

export const FILE_OPS = [
  "read", // -> string (UTF-8)
  "readBytes", // -> Uint8Array
  "write", // -> bytes written
  "append", // -> bytes written
  "delete", // -> null
  "stat", // -> FileStat
  "size", // -> number
  "exists", // -> boolean (never an error)
  "isFile", // -> boolean (missing reads as false)
  "isDirectory", // -> boolean (missing reads as false)
  "readdir", // -> string[] (OS order)
  "mkdir", // -> null
  "mkdirAll", // -> null (mkdir -p)
  "rmdir", // -> null (must be empty)
  "rmdirAll", // -> null (rm -r; missing path is ENOENT)
  "rename", // -> null
  "copy", // -> bytes copied
  "sleep", // -> null: blocks a worker for `ms` (ThreadedHandler's sleep)
] as const;

export type FileOpName = (typeof FILE_OPS)[number];

/**
 * Largest file read whole into one string or byte string (1 GiB). JavaScript strings stop
 * near 2^31 code units and a bigger read used to come back as an empty string; past this
 * size a read fails with EFBIG instead, under every handler.
 */
export const MAX_READ_BYTES = 1 << 30;

/** The EFBIG error a whole-file read of `size` bytes fails with. */
export function fileTooLarge(path: string, size: number): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(
    `File too large to read whole: ${size} bytes (the limit is ${MAX_READ_BYTES}; read it in parts with beagle.io)`,
  );
  e.code = "EFBIG";
  e.errno = 27;
  e.path = path;
  return e;
}

/** Wire code of an op: its index in FILE_OPS, plus one so 0 means "none". */
export const OP_CODE: Record<FileOpName, number> = Object.fromEntries(
  FILE_OPS.map((name, i) => [name, i + 1]),
) as Record<FileOpName, number>;

export function opName(code: number): FileOpName {
  return FILE_OPS[code - 1]!;
}

/** Ops taking a second path (`dest`). */
export const TWO_PATH_OPS: ReadonlySet<FileOpName> = new Set(["rename", "copy"]);
/** Ops taking content (`data`). */
export const DATA_OPS: ReadonlySet<FileOpName> = new Set(["write", "append"]);

export interface FileRequest {
  op: FileOpName;
  path: string;
  /** Second path for rename/copy. */
  dest?: string;
  /** Content for write/append: a string is written as UTF-8. */
  data?: string | Uint8Array;
  /** Duration for "sleep". */
  ms?: number;
}

/** Upstream beagle.fs operation names (as beagle.async's `__file-op-of` says them) -> ours. */
export const BEAGLE_FILE_OP: Readonly<Record<string, FileOpName>> = {
  "read-file": "read",
  "write-file": "write",
  "append-file": "append",
  "delete-file": "delete",
  "exists?": "exists",
  "file-size": "size",
  "is-file?": "isFile",
  "is-directory?": "isDirectory",
  rename: "rename",
  copy: "copy",
  "read-dir": "readdir",
  "create-dir": "mkdir",
  "create-dir-all": "mkdirAll",
  "remove-dir": "rmdir",
  "remove-dir-all": "rmdirAll",
  stat: "stat",
  sleep: "sleep",
};

export interface FileStat {
  size: number;
  mtimeMs: number;
  mode: number;
  isFile: boolean;
  isDirectory: boolean;
}

export type FileOk = { ok: true; value: unknown };
export type FileErr = {
  ok: false;
  /** errno name, e.g. "ENOENT". */
  code: string;
  /** errno number on this platform, e.g. 2. */
  errno: number;
  /** strerror(3), e.g. "No such file or directory". */
  message: string;
  path: string;
  dest?: string;
};
export type FileResult = FileOk | FileErr;

/** How a result's value is encoded in a slot (see pool-layout.ts). */
export const RES = {
  NONE: 0,
  BOOL: 1,
  NUMBER: 2,
  STRING: 3,
  BYTES: 4,
  LIST: 5,
  STAT: 6,
} as const;
