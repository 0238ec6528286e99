// beagle.os: the process's identity, working directory, environment, host name
// and exit. Upstream reaches libc through its FFI; here Node's process/os APIs
// give the same answers (process.env writes go to the real environment, so
// children started afterwards see them).
import { hostname as osHostname } from "node:os";
import type { Value } from "../values.ts";
import { argInt, argStr, type Builtin } from "./util.ts";

export const moduleBuiltins: Record<string, Builtin> = {
  getpid: () => process.pid,
  getppid: () => process.ppid,
  getuid: () => (typeof process.getuid === "function" ? process.getuid() : 0),
  getcwd: () => process.cwd(),
  getenv(name: Value) {
    const v = process.env[argStr(name, "getenv", "variable name")];
    return v === undefined ? null : v;
  },
  setenv(name: Value, value: Value) {
    const n = argStr(name, "setenv", "variable name");
    if (n === "" || n.includes("=") || n.includes("\0")) return false;
    process.env[n] = argStr(value, "setenv", "value");
    return true;
  },
  unsetenv(name: Value) {
    const n = argStr(name, "unsetenv", "variable name");
    if (n === "" || n.includes("=")) return false;
    delete process.env[n];
    return true;
  },
  hostname: () => osHostname(),
  "process-exit"(code: Value) {
    // the VM's buffered stdout is written by its process "exit" hook (vm/vm.ts)
    process.exit(argInt(code, "process-exit", "exit code") & 255);
  },
};
