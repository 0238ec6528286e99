// CPU count and pool sizing. BEAGLE_POOL_SIZE overrides the default pool size.
import { availableParallelism } from "node:os";

export function cpuCount(): number {
  return Math.max(1, availableParallelism());
}

export function defaultPoolSize(): number {
  const env = process.env.BEAGLE_POOL_SIZE;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1 || n > 1024)
      throw new Error(`BEAGLE_POOL_SIZE must be an integer from 1 to 1024 (got "${env}")`);
    return n;
  }
  return cpuCount();
}
