/**
 * Gas benchmark: a Leash agent payment vs eth-infinitism SimpleAccount on the same EntryPoint v0.8.
 *
 *   npm run bench:gas            # table
 *   npm run bench:gas -- --json  # table, then one JSON object on the last line
 *   BENCH_JSON=1 npx hardhat run scripts/bench-gas.ts
 */
import { network } from "hardhat";
import { formatTable, measureGas } from "./lib/gas-bench.js";

const json = process.argv.includes("--json") || process.env.BENCH_JSON === "1";
const connection = await network.create();
const report = await measureGas(connection);
console.log("handleOps gasUsed, one op per bundle, warm account (3rd op of its kind)\n");
console.log(formatTable(report));
if (json) console.log(JSON.stringify(report));
await connection.close();
