/**
 * Where the gas of the benchmark's measured operations goes: storage reads/writes (cold/warm, by slot), calls,
 * hashing and the rest, per operation, from `debug_traceTransaction`. `npx tsx scripts/trace-gas.ts`.
 */
import { network } from "hardhat";
import { measureGas } from "./lib/gas-bench.js";

type Step = { op: string; gasCost: number; depth: number; stack?: string[] };

const connection = await network.create();
const hashes: [string, string][] = [];
await measureGas(connection, (label, hash) => hashes.push([label, hash]));
for (const [label, hash] of hashes) {
  const trace = (await connection.provider.request({
    method: "debug_traceTransaction",
    params: [hash, { disableMemory: true, disableStorage: true }],
  })) as { gas: number; structLogs: Step[] };
  const byOp = new Map<string, { n: number; gas: number }>();
  const slots = new Map<string, { n: number; gas: number }>();
  const depths = new Map<number, number>();
  for (const s of trace.structLogs) {
    const e = byOp.get(s.op) ?? { n: 0, gas: 0 };
    // A call's reported cost includes the gas it forwards to the callee, whose steps are listed on their own:
    // skip it (the access surcharge is small next to the storage figures this script is for).
    const cost = ["CALL", "DELEGATECALL", "STATICCALL", "CREATE", "CREATE2"].includes(s.op)
      ? 0
      : s.gasCost;
    e.n++;
    e.gas += cost;
    byOp.set(s.op, e);
    depths.set(s.depth, (depths.get(s.depth) ?? 0) + cost);
    if ((s.op === "SLOAD" || s.op === "SSTORE") && s.stack) {
      const slot = s.stack[s.stack.length - 1];
      const key = `${s.op} ${slot.slice(0, 18)}… d${s.depth}`;
      const k = slots.get(key) ?? { n: 0, gas: 0 };
      k.n++;
      k.gas += s.gasCost;
      slots.set(key, k);
    }
  }
  console.log(`\n== ${label}: execution gas ${trace.gas}`);
  console.log(
    `  gas by call depth (own opcodes, calls excluded): ${JSON.stringify(Object.fromEntries(depths))}`,
  );
  const top = [...byOp.entries()].sort((a, b) => b[1].gas - a[1].gas).slice(0, 12);
  for (const [op, e] of top)
    console.log(`  ${op.padEnd(14)} x${String(e.n).padStart(4)}  ${String(e.gas).padStart(7)} gas`);
  const storage = [...slots.entries()].sort((a, b) => b[1].gas - a[1].gas);
  const total = storage.reduce((a, [, e]) => a + e.gas, 0);
  console.log(`  storage: ${storage.length} slot/op pairs, ${total} gas`);
  for (const [k, e] of storage.slice(0, 30)) console.log(`    ${k.padEnd(36)} x${e.n}  ${e.gas}`);
}
await connection.close();
