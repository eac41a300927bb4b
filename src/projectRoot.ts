/**
 * The Leash checkout a module runs from (where `hardhat.config.ts`, `artifacts/` and `node_modules/` are),
 * found by walking up from the module: the same answer whether it runs as TypeScript source (tsx, Hardhat)
 * or as the built CLI under `dist/`, whose files sit one level deeper.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const MARKER = "hardhat.config.ts";
/** Bounded: the deepest module (dist/src/relayer/rpc/methods) is five levels under the root. */
const MAX_LEVELS = 8;

function findProjectRoot(from: string): string {
  let dir = from;
  for (let level = 0; level <= MAX_LEVELS; level++) {
    if (existsSync(join(dir, MARKER))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`Leash project root (a folder with ${MARKER}) not found above ${from}`);
}

export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
