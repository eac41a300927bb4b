/**
 * Malformed input table: each row is sent to a running relayer and must come back as the exact
 * JSON-RPC error code, never a crash, a hang or a stack trace.
 */
import { expect } from "chai";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import {
  HARDHAT_KEYS,
  buildOp,
  createAccounts,
  postRaw,
  rpcOp,
  startChain,
  tempDir,
  type TestChain,
} from "./helpers.js";

interface Case {
  name: string;
  body: string;
  code: number;
  httpStatus?: number;
}

describe("relayer malformed input table", function () {
  this.timeout(120_000);
  let chain: TestChain;
  let relayer: RunningRelayer;
  const cases: Case[] = [];

  before(async () => {
    chain = await startChain();
    const [account] = await createAccounts(chain, 1);
    relayer = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db: `sqlite:${tempDir()}/relayer.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[1] },
      port: 0,
      authRequired: false,
      limits: { maxBodyBytes: 256 * 1024, maxBatchSize: 50, maxCallDataBytes: 8 * 1024 },
      logSink: () => {},
    });
    const valid = rpcOp(await buildOp(chain, account)) as Record<string, unknown>;
    const ep = chain.entryPointAddress;
    const send = (op: unknown, entryPoint: unknown = ep) =>
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "eth_sendUserOperation",
        params: [op, entryPoint],
      });
    const withField = (field: string, value: unknown) => send({ ...valid, [field]: value });
    const without = (field: string) => {
      const copy = { ...valid };
      delete copy[field];
      return send(copy);
    };

    // Protocol level.
    cases.push(
      { name: "not JSON", body: "{not json", code: -32700 },
      {
        name: "truncated JSON",
        body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"',
        code: -32700,
      },
      { name: "empty body", body: "", code: -32700 },
      { name: "JSON string", body: '"hello"', code: -32600 },
      { name: "JSON number", body: "42", code: -32600 },
      { name: "JSON null", body: "null", code: -32600 },
      { name: "missing jsonrpc", body: '{"id":1,"method":"eth_chainId"}', code: -32600 },
      {
        name: "jsonrpc 1.0",
        body: '{"jsonrpc":"1.0","id":1,"method":"eth_chainId"}',
        code: -32600,
      },
      { name: "method not a string", body: '{"jsonrpc":"2.0","id":1,"method":42}', code: -32600 },
      { name: "empty method", body: '{"jsonrpc":"2.0","id":1,"method":""}', code: -32600 },
      {
        name: "huge method name",
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "m".repeat(5000) }),
        code: -32600,
      },
      {
        name: "id is an object",
        body: '{"jsonrpc":"2.0","id":{"a":1},"method":"eth_chainId"}',
        code: -32600,
      },
      {
        name: "id is a huge string",
        body: JSON.stringify({ jsonrpc: "2.0", id: "x".repeat(1000), method: "eth_chainId" }),
        code: -32600,
      },
      {
        name: "unknown method",
        body: '{"jsonrpc":"2.0","id":1,"method":"eth_fooBar","params":[]}',
        code: -32601,
      },
      {
        name: "unicode method",
        body: '{"jsonrpc":"2.0","id":1,"method":"eth_séndUserOperation💥","params":[]}',
        code: -32601,
      },
      {
        name: "signing method",
        body: '{"jsonrpc":"2.0","id":1,"method":"eth_signTransaction","params":[]}',
        code: -32601,
      },
      {
        name: "params is an object",
        body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":{"a":1}}',
        code: -32602,
      },
      {
        name: "params is a string",
        body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":"x"}',
        code: -32602,
      },
      {
        name: "eth_chainId with extra params",
        body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[1]}',
        code: -32602,
      },
      { name: "empty batch", body: "[]", code: -32600 },
      {
        name: "batch of 1000",
        body: JSON.stringify(
          Array.from({ length: 1000 }, (_, i) => ({
            jsonrpc: "2.0",
            id: i,
            method: "eth_chainId",
          })),
        ),
        code: -32600,
      },
      {
        name: "body over the size limit",
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "eth_chainId",
          pad: "x".repeat(300 * 1024),
        }),
        code: -32600,
        httpStatus: 413,
      },
    );

    // eth_sendUserOperation params.
    cases.push(
      {
        name: "no params",
        body: '{"jsonrpc":"2.0","id":1,"method":"eth_sendUserOperation"}',
        code: -32602,
      },
      {
        name: "op only, no entry point",
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "eth_sendUserOperation",
          params: [valid],
        }),
        code: -32602,
      },
      {
        name: "three params",
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "eth_sendUserOperation",
          params: [valid, ep, 1],
        }),
        code: -32602,
      },
      { name: "op is null", body: send(null), code: -32602 },
      { name: "op is an array", body: send([valid]), code: -32602 },
      { name: "op is a string", body: send("0x1234"), code: -32602 },
      { name: "entry point not an address", body: send(valid, "0x1234"), code: -32602 },
      { name: "entry point is a number", body: send(valid, 12345), code: -32602 },
      {
        name: "unsupported entry point",
        body: send(valid, "0x0000000000000000000000000000000000000001"),
        code: -32602,
      },
      { name: "missing sender", body: without("sender"), code: -32602 },
      { name: "missing nonce", body: without("nonce"), code: -32602 },
      { name: "missing callData", body: without("callData"), code: -32602 },
      { name: "missing signature", body: without("signature"), code: -32602 },
      { name: "missing callGasLimit", body: without("callGasLimit"), code: -32602 },
      { name: "missing maxFeePerGas", body: without("maxFeePerGas"), code: -32602 },
      { name: "sender too short", body: withField("sender", "0x1234"), code: -32602 },
      {
        name: "sender not hex",
        body: withField("sender", "0xZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"),
        code: -32602,
      },
      { name: "sender is a number", body: withField("sender", 1), code: -32602 },
      {
        name: "sender with unicode",
        body: withField("sender", "0x" + "é".repeat(40)),
        code: -32602,
      },
      { name: "nonce decimal string", body: withField("nonce", "12"), code: -32602 },
      { name: "nonce as JSON number", body: withField("nonce", 1), code: -32602 },
      { name: "nonce negative", body: withField("nonce", "-0x1"), code: -32602 },
      {
        name: "nonce above uint256",
        body: withField("nonce", "0x1" + "0".repeat(64)),
        code: -32602,
      },
      {
        name: "nonce with huge digits",
        body: withField("nonce", "0x" + "f".repeat(10_000)),
        code: -32602,
      },
      { name: "nonce empty hex", body: withField("nonce", "0x"), code: -32602 },
      {
        name: "callGasLimit above uint128",
        body: withField("callGasLimit", "0x1" + "0".repeat(32)),
        code: -32602,
      },
      { name: "callGasLimit boolean", body: withField("callGasLimit", true), code: -32602 },
      { name: "maxFeePerGas float", body: withField("maxFeePerGas", 1.5), code: -32602 },
      { name: "maxFeePerGas null", body: withField("maxFeePerGas", null), code: -32602 },
      { name: "callData odd length", body: withField("callData", "0x123"), code: -32602 },
      { name: "callData without 0x", body: withField("callData", "abcd"), code: -32602 },
      { name: "callData not hex", body: withField("callData", "0xzz"), code: -32602 },
      {
        name: "callData over the byte limit",
        body: withField("callData", "0x" + "ab".repeat(9000)),
        code: -32602,
      },
      { name: "signature is an object", body: withField("signature", { r: 1 }), code: -32602 },
      {
        name: "signature over the byte limit",
        body: withField("signature", "0x" + "11".repeat(3000)),
        code: -32602,
      },
      { name: "factory not an address", body: withField("factory", "0x12"), code: -32602 },
      {
        name: "factoryData without factory",
        body: withField("factoryData", "0x1234"),
        code: -32602,
      },
      {
        name: "paymasterData without paymaster",
        body: withField("paymasterData", "0x1234"),
        code: -32602,
      },
      { name: "unknown extra field", body: withField("extra", "0x"), code: -32602 },
      {
        name: "eip7702Auth given",
        body: withField("eip7702Auth", { address: "0x" }),
        code: -32602,
      },
      {
        name: "verificationGasLimit tiny",
        body: withField("verificationGasLimit", "0x1"),
        code: -32602,
      },
      {
        name: "preVerificationGas too low",
        body: withField("preVerificationGas", "0x5208"),
        code: -32602,
      },
      {
        name: "maxPriorityFee above maxFee",
        body: withField("maxPriorityFeePerGas", "0xffffffffffffffffff"),
        code: -32602,
      },
      {
        name: "prototype pollution keys",
        body: withField("__proto__", { polluted: true }),
        code: -32602,
      },
    );

    // Other methods.
    const m = (method: string, params: unknown) =>
      JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
    cases.push(
      {
        name: "getUserOperationByHash short hash",
        body: m("eth_getUserOperationByHash", ["0x1234"]),
        code: -32602,
      },
      {
        name: "getUserOperationByHash number",
        body: m("eth_getUserOperationByHash", [5]),
        code: -32602,
      },
      {
        name: "getUserOperationReceipt no params",
        body: m("eth_getUserOperationReceipt", []),
        code: -32602,
      },
      {
        name: "getUserOperationReceipt 2 params",
        body: m("eth_getUserOperationReceipt", ["0x" + "00".repeat(32), 1]),
        code: -32602,
      },
      {
        name: "status hash with unicode",
        body: m("leash_getUserOperationStatus", ["0x" + "ü".repeat(64)]),
        code: -32602,
      },
      {
        name: "estimate with op null",
        body: m("eth_estimateUserOperationGas", [null, ep]),
        code: -32602,
      },
      {
        name: "estimate unsupported entry point",
        body: m("eth_estimateUserOperationGas", [
          valid,
          "0x0000000000000000000000000000000000000002",
        ]),
        code: -32602,
      },
      {
        name: "forwarded call with too many params",
        body: m("eth_blockNumber", [1, 2, 3, 4, 5]),
        code: -32602,
      },
      {
        name: "forwarded call with object params",
        body: m("eth_getBalance", { address: ep }),
        code: -32602,
      },
    );
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  it("has at least 50 malformed cases", () => {
    expect(cases.length).to.be.at.least(50);
  });

  it("answers every malformed input with its exact JSON-RPC error code", async () => {
    const failures: string[] = [];
    for (const testCase of cases) {
      const response = await postRaw(relayer.url, testCase.body);
      const body = response.json as { error?: { code: number; message: string } } | null;
      const code = body?.error?.code;
      if (code !== testCase.code)
        failures.push(
          `${testCase.name}: expected ${testCase.code}, got ${code} (${response.text.slice(0, 200)})`,
        );
      if (testCase.httpStatus && response.status !== testCase.httpStatus) {
        failures.push(
          `${testCase.name}: expected HTTP ${testCase.httpStatus}, got ${response.status}`,
        );
      }
      if (/\bat .*\.(ts|js):\d+/.test(response.text))
        failures.push(`${testCase.name}: response leaks a stack trace`);
    }
    expect(failures, failures.join("\n")).to.deep.equal([]);
  });

  it("is still healthy and serving after the whole table", async () => {
    const response = await postRaw(
      relayer.url,
      JSON.stringify({ jsonrpc: "2.0", id: 7, method: "eth_chainId" }),
    );
    expect((response.json as { id: number; result: string }).result).to.equal(
      "0x" + chain.chainId.toString(16),
    );
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });
});
