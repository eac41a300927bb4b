/**
 * Every RPC method of the relayer against a real local chain: success paths and each error code
 * a client can get, with the decoded revert data.
 */
import { expect } from "chai";
import { AbiCoder, Wallet, getAddress, type Contract } from "ethers";
import { verifyAuditLog } from "../../src/relayer/audit.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import { getUserOperationHash, type UserOperation } from "../../src/relayer/userOp.js";
import { POLICY_ERRORS_ABI, deployFixture } from "./fixtures.js";
import {
  HARDHAT_KEYS,
  buildOp,
  call,
  createAccounts,
  postRaw,
  rpcOp,
  signOp,
  simpleExecute,
  startChain,
  tempDir,
  waitForFinal,
  type TestAccount,
  type TestChain,
} from "./helpers.js";

describe("relayer RPC methods", function () {
  this.timeout(120_000);
  let chain: TestChain;
  let relayer: RunningRelayer;
  let accounts: TestAccount[];
  let policyTarget: Contract;
  let timeRangeAccount: TestAccount;
  const logLines: string[] = [];
  let ep: string;

  const send = (op: UserOperation, entryPoint = ep) =>
    call(relayer.url, "eth_sendUserOperation", [rpcOp(op), entryPoint]);

  before(async () => {
    chain = await startChain();
    ep = chain.entryPointAddress;
    accounts = await createAccounts(chain, 3);
    policyTarget = await deployFixture("PolicyTarget", chain.deployer);
    const tra = await deployFixture("TimeRangeAccount", chain.deployer, ep);
    timeRangeAccount = {
      owner: Wallet.createRandom() as unknown as Wallet,
      address: await tra.getAddress(),
    };
    await (
      await chain.deployer.sendTransaction({ to: timeRangeAccount.address, value: 10n ** 18n })
    ).wait();
    relayer = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: ep,
      db: `sqlite:${tempDir()}/relayer.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[1] },
      port: 0,
      authRequired: false,
      walletErrorAbi: POLICY_ERRORS_ABI,
      limits: { maxCallDataBytes: 4096 },
      logLevel: "debug",
      logSink: (line) => logLines.push(line),
    });
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  it("eth_chainId returns the node's chain id", async () => {
    const response = await call(relayer.url, "eth_chainId");
    expect(response.result).to.equal("0x" + chain.chainId.toString(16));
  });

  it("eth_supportedEntryPoints lists the configured EntryPoint", async () => {
    const response = await call(relayer.url, "eth_supportedEntryPoints");
    expect(response.result).to.deep.equal([getAddress(ep)]);
  });

  it("computes the same userOpHash as EntryPoint.getUserOpHash", async () => {
    const op = await buildOp(chain, accounts[0], { nonceKey: 77n });
    const onChain = (await chain.entryPoint.getFunction("getUserOpHash")([
      op.sender,
      op.nonce,
      "0x",
      op.callData,
      toRpcPacked(op).accountGasLimits,
      op.preVerificationGas,
      toRpcPacked(op).gasFees,
      "0x",
      op.signature,
    ])) as string;
    expect(getUserOperationHash(op, ep, chain.chainId)).to.equal(onChain.toLowerCase());
  });

  it("eth_sendUserOperation accepts a valid op, includes it, and every lookup reports it", async () => {
    const recipient = Wallet.createRandom().address;
    const op = await buildOp(chain, accounts[0], {
      callData: simpleExecute(recipient, 12345n, "0x"),
    });
    const response = await send(op);
    expect(response.error).to.equal(undefined);
    const hash = response.result as string;
    expect(hash).to.equal(getUserOperationHash(op, ep, chain.chainId));

    const final = await waitForFinal(relayer.url, hash);
    expect(final.status).to.equal("included");
    expect(await chain.provider.getBalance(recipient)).to.equal(12345n);

    const byHash = (await call(relayer.url, "eth_getUserOperationByHash", [hash])).result as Record<
      string,
      unknown
    >;
    expect(byHash.entryPoint).to.equal(getAddress(ep));
    expect(byHash.transactionHash).to.equal(final.transactionHash);
    expect((byHash.userOperation as Record<string, unknown>).sender).to.equal(op.sender);

    const receipt = (await call(relayer.url, "eth_getUserOperationReceipt", [hash]))
      .result as Record<string, unknown>;
    expect(receipt.success).to.equal(true);
    expect(receipt.userOpHash).to.equal(hash);
    expect((receipt.receipt as { transactionHash: string }).transactionHash).to.equal(
      final.transactionHash,
    );
    expect(BigInt(receipt.actualGasCost as string) > 0n).to.equal(true);
  });

  it("lookups of an unknown hash return null", async () => {
    const unknown = "0x" + "ab".repeat(32);
    for (const method of [
      "eth_getUserOperationByHash",
      "eth_getUserOperationReceipt",
      "leash_getUserOperationStatus",
    ]) {
      const response = await call(relayer.url, method, [unknown]);
      expect(response.error, method).to.equal(undefined);
      expect(response.result, method).to.equal(null);
    }
  });

  it("rejects a wrong signature with -32507 (AA24) and records it in the audit log", async () => {
    const op = await buildOp(chain, accounts[0], { nonceKey: 1n });
    const hash = getUserOperationHash(op, ep, chain.chainId);
    op.signature = (Wallet.createRandom() as unknown as Wallet).signingKey.sign(hash).serialized;
    const response = await send(op);
    expect(response.error?.code).to.equal(-32507);
    expect(response.error?.message).to.match(/AA24/);
    const audit = await relayer.store.readAudit(0, 10_000);
    const row = audit.find((r) => r.opHash === getUserOperationHash(op, ep, chain.chainId));
    expect(row?.event).to.equal("rejected");
    expect(JSON.parse(row!.detailJson).code).to.equal(-32507);
    expect(
      (await call(relayer.url, "leash_getUserOperationStatus", [row!.opHash])).result,
    ).to.equal(null);
  });

  it("rejects an expired op and a not-yet-due op with -32503 (AA22)", async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const [validAfter, validUntil] of [
      [0, now - 3600],
      [now + 3600, now + 7200],
    ]) {
      const op = await buildOp(chain, timeRangeAccount, {
        callData: "0x",
        signature: AbiCoder.defaultAbiCoder().encode(
          ["uint48", "uint48"],
          [validAfter, validUntil],
        ),
      });
      const response = await send(op);
      expect(response.error?.code).to.equal(-32503);
      expect(response.error?.message).to.match(/AA22/);
    }
  });

  it("rejects other validation failures with -32500 (AA25 nonce, AA20 not deployed, AA21 prefund)", async () => {
    const badNonce = await buildOp(chain, accounts[0], { nonce: 5n });
    const r1 = await send(badNonce);
    expect(r1.error?.code).to.equal(-32500);
    expect(r1.error?.message).to.match(/AA25/);

    const ghost = {
      owner: Wallet.createRandom() as unknown as Wallet,
      address: Wallet.createRandom().address,
    };
    const r2 = await send(await buildOp(chain, ghost, { nonce: 0n }));
    expect(r2.error?.code).to.equal(-32500);
    expect(r2.error?.message).to.match(/AA20/);

    const expensive = await buildOp(chain, accounts[1], {
      maxFeePerGas: 10n ** 15n,
      maxPriorityFeePerGas: 10n ** 9n,
    });
    const r3 = await send(expensive);
    expect(r3.error?.code).to.equal(-32500);
    expect(r3.error?.message).to.match(/AA21/);
    expect((r3.error?.data as { revert: { kind: string; opIndex: number } }).revert).to.include({
      kind: "entryPoint",
      opIndex: 0,
    });
  });

  it("rejects an op whose execution reverts with -32521 and the decoded policy error", async () => {
    const target = await policyTarget.getAddress();
    const notAllowed = await buildOp(chain, accounts[1], {
      nonceKey: 2n,
      callData: simpleExecute(
        target,
        0n,
        policyTarget.interface.encodeFunctionData("pay", [
          "0x000000000000000000000000000000000000dEaD",
          1n,
        ]),
      ),
    });
    const r1 = await send(notAllowed);
    expect(r1.error?.code).to.equal(-32521);
    const data1 = r1.error?.data as { rule: string; args: Record<string, string> };
    expect(data1.rule).to.equal("RecipientNotAllowed");
    expect(data1.args.recipient).to.equal("0x000000000000000000000000000000000000dEaD");

    const overLimit = await buildOp(chain, accounts[1], {
      nonceKey: 3n,
      callData: simpleExecute(
        target,
        0n,
        policyTarget.interface.encodeFunctionData("pay", [accounts[2].address, 500n]),
      ),
    });
    const r2 = await send(overLimit);
    expect(r2.error?.code).to.equal(-32521);
    expect(r2.error?.data).to.deep.include({ rule: "DailyLimitExceeded" });
    expect((r2.error?.data as { args: Record<string, string> }).args).to.deep.equal({
      asset: "0x0000000000000000000000000000000000000000",
      spent: "500",
      limit: "100",
    });

    const withdraw = await buildOp(chain, accounts[1], {
      nonceKey: 4n,
      callData: simpleExecute(
        ep,
        0n,
        chain.entryPoint.interface.encodeFunctionData("withdrawTo", [
          accounts[1].address,
          10n ** 30n,
        ]),
      ),
    });
    const r3 = await send(withdraw);
    expect(r3.error?.code).to.equal(-32521);
    expect((r3.error?.data as { reason: string }).reason).to.equal("Withdraw amount too large");
  });

  it("rejects field and fee violations with -32602 before simulating", async () => {
    const base = await buildOp(chain, accounts[2], { nonceKey: 9n });
    const cases: [string, Partial<UserOperation>, RegExp][] = [
      [
        "maxFeePerGas below base fee",
        { maxFeePerGas: 2_000_000n, maxPriorityFeePerGas: 1_000_000n },
        /maxFeePerGas too low/,
      ],
      [
        "priority above max fee",
        { maxPriorityFeePerGas: base.maxFeePerGas + 1n },
        /maxPriorityFeePerGas above/,
      ],
      ["preVerificationGas too low", { preVerificationGas: 21_000n }, /preVerificationGas too low/],
      [
        "verificationGasLimit above max",
        { verificationGasLimit: 50_000_000n },
        /verificationGasLimit above/,
      ],
      ["callGasLimit above max", { callGasLimit: 50_000_000n }, /callGasLimit above/],
      ["callData over the byte limit", { callData: "0x" + "11".repeat(5000) }, /callData exceeds/],
    ];
    for (const [name, patch, message] of cases) {
      const op = signOp(chain, accounts[2], { ...base, ...patch });
      const response = await send(op);
      expect(response.error?.code, name).to.equal(-32602);
      expect(response.error?.message, name).to.match(message);
    }
    const wrongEntryPoint = await send(base, "0x0000000000000000000000000000000000000007");
    expect(wrongEntryPoint.error?.code).to.equal(-32602);
    expect(wrongEntryPoint.error?.message).to.match(/unsupported entry point/);
  });

  it("rejects a duplicate op and a second op for a pending sender+nonce with -32602", async () => {
    await chain.setIntervalMining(0); // hold blocks so the first op stays pending
    try {
      await call(chain.url, "evm_setAutomine", [false]);
      const op = await buildOp(chain, accounts[2], { nonceKey: 10n });
      expect((await send(op)).error).to.equal(undefined);
      // While pending: known by hash, no block yet, no receipt, status not final.
      const hash = getUserOperationHash(op, ep, chain.chainId);
      const pending = (await call(relayer.url, "eth_getUserOperationByHash", [hash]))
        .result as Record<string, unknown>;
      expect(pending).to.include({ blockNumber: null, blockHash: null, transactionHash: null });
      expect((await call(relayer.url, "eth_getUserOperationReceipt", [hash])).result).to.equal(
        null,
      );
      const status = (await call(relayer.url, "leash_getUserOperationStatus", [hash])).result as {
        status: string;
      };
      expect(["received", "submitted"]).to.include(status.status);
      const again = await send(op);
      expect(again.error?.code).to.equal(-32602);
      expect(again.error?.message).to.match(/already known/);
      const sibling = signOp(chain, accounts[2], { ...op, callGasLimit: op.callGasLimit + 1n });
      const conflict = await send(sibling);
      expect(conflict.error?.code).to.equal(-32602);
      expect(conflict.error?.message).to.match(/already pending/);
    } finally {
      await call(chain.url, "evm_setAutomine", [true]);
      await call(chain.url, "evm_mine", []);
    }
  });

  it("eth_estimateUserOperationGas returns limits an op can be included with", async () => {
    const recipient = Wallet.createRandom().address;
    const draft = await buildOp(chain, accounts[2], {
      nonceKey: 11n,
      callData: simpleExecute(recipient, 7n, "0x"),
    });
    // A stub signature: well-formed (recovers to some random address), so validation costs
    // what a real one costs but returns SIG_VALIDATION_FAILED instead of reverting.
    const dummy = (Wallet.createRandom() as unknown as Wallet).signingKey.sign(
      "0x" + "11".repeat(32),
    ).serialized;
    const estimateParams = { ...rpcOp({ ...draft, signature: dummy }) } as Record<string, unknown>;
    delete estimateParams.callGasLimit;
    delete estimateParams.verificationGasLimit;
    delete estimateParams.preVerificationGas;
    const response = await call(relayer.url, "eth_estimateUserOperationGas", [estimateParams, ep]);
    expect(response.error, JSON.stringify(response.error)).to.equal(undefined);
    const estimate = response.result as Record<string, string>;
    const op = signOp(chain, accounts[2], {
      ...draft,
      callGasLimit: BigInt(estimate.callGasLimit),
      verificationGasLimit: BigInt(estimate.verificationGasLimit),
      preVerificationGas: BigInt(estimate.preVerificationGas),
    });
    const sent = await send(op);
    expect(sent.error, JSON.stringify(sent.error)).to.equal(undefined);
    expect((await waitForFinal(relayer.url, sent.result as string)).status).to.equal("included");
    expect(await chain.provider.getBalance(recipient)).to.equal(7n);
  });

  it("eth_estimateUserOperationGas reports an execution revert with -32521", async () => {
    const target = await policyTarget.getAddress();
    const op = await buildOp(chain, accounts[2], {
      nonceKey: 12n,
      callData: simpleExecute(
        target,
        0n,
        policyTarget.interface.encodeFunctionData("pay", [accounts[0].address, 1000n]),
      ),
    });
    const response = await call(relayer.url, "eth_estimateUserOperationGas", [rpcOp(op), ep]);
    expect(response.error?.code).to.equal(-32521);
    expect(response.error?.data).to.deep.include({ rule: "DailyLimitExceeded" });
    // Clients estimate first, so the refusal must reach the audit log even though nothing was sent.
    const rows = await relayer.store.readAudit(0, 10_000);
    const row = rows.find(
      (r) =>
        r.sender === op.sender && r.event === "rejected" && r.detailJson.includes("eth_estimate"),
    );
    expect(row, "estimate refusal in the audit log").to.not.equal(undefined);
    expect(JSON.parse(row!.detailJson)).to.deep.include({
      code: -32521,
      during: "eth_estimateUserOperationGas",
      rule: "DailyLimitExceeded",
    });
  });

  it("forwards read-only node methods and refuses anything that sends or signs", async () => {
    const block = await call(relayer.url, "eth_blockNumber");
    expect(BigInt(block.result as string) > 0n).to.equal(true);
    const code = await call(relayer.url, "eth_getCode", [ep, "latest"]);
    expect((code.result as string).length > 2).to.equal(true);
    const nonce = await call(relayer.url, "eth_call", [
      {
        to: ep,
        data: chain.entryPoint.interface.encodeFunctionData("getNonce", [accounts[0].address, 0n]),
      },
      "latest",
    ]);
    expect(BigInt(nonce.result as string) >= 1n).to.equal(true);
    for (const method of [
      "eth_sendRawTransaction",
      "eth_sendTransaction",
      "eth_sign",
      "personal_sign",
      "eth_accounts",
      "eth_getLogs",
      "hardhat_setBalance",
    ]) {
      const response = await call(relayer.url, method, []);
      expect(response.error?.code, method).to.equal(-32601);
    }
  });

  it("answers batches in order and bounds their size", async () => {
    const batch = await postRaw(
      relayer.url,
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] },
        { jsonrpc: "2.0", id: "two", method: "nope_method", params: [] },
        { jsonrpc: "2.0", id: 3, method: "eth_supportedEntryPoints" },
      ]),
    );
    const responses = batch.json as { id: unknown; result?: unknown; error?: { code: number } }[];
    expect(responses.map((r) => r.id)).to.deep.equal([1, "two", 3]);
    expect(responses[0].result).to.equal("0x" + chain.chainId.toString(16));
    expect(responses[1].error?.code).to.equal(-32601);
    expect(responses[2].result).to.deep.equal([getAddress(ep)]);
  });

  it("GET /health reports node, balance and queue; 503 when the signer balance is below the floor", async () => {
    const ok = await fetch(new URL("/health", relayer.url));
    expect(ok.status).to.equal(200);
    const body = (await ok.json()) as Record<string, unknown>;
    expect(body).to.include({ status: "ok", nodeReachable: true, signerBalanceOk: true });
    expect(body.queueDepth).to.be.a("number");

    const poor = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: ep,
      db: `sqlite:${tempDir()}/poor.sqlite`,
      signer: { privateKey: Wallet.createRandom().privateKey },
      port: 0,
      authRequired: false,
      logSink: () => {},
    });
    try {
      const bad = await fetch(new URL("/health", poor.url));
      expect(bad.status).to.equal(503);
      expect(((await bad.json()) as Record<string, unknown>).signerBalanceOk).to.equal(false);
    } finally {
      await poor.close();
    }
  });

  it("GET /metrics exposes op outcomes, bundle sizes, latency, balance and queue depth", async () => {
    const response = await fetch(new URL("/metrics", relayer.url));
    expect(response.status).to.equal(200);
    const text = await response.text();
    expect(text).to.match(/leash_relayer_user_ops_total\{outcome="included",reason=""\} \d+/);
    expect(text).to.match(/leash_relayer_user_ops_total\{outcome="rejected",reason="-32507"\} \d+/);
    expect(text).to.match(/leash_relayer_bundle_size_count [1-9]/);
    expect(text).to.match(/leash_relayer_accept_to_included_seconds_count [1-9]/);
    expect(text).to.match(/leash_relayer_signer_balance_wei [1-9]/);
    expect(text).to.match(/leash_relayer_queue_depth \d+/);
  });

  it("test_metrics_defaultProcessMetricsAndBothHistograms_observedAfterAnOpIsIncluded", async () => {
    const response = await fetch(new URL("/metrics", relayer.url));
    expect(response.headers.get("content-type")).to.match(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    // prom-client's default process, GC and event-loop metrics.
    expect(text).to.match(/^process_cpu_user_seconds_total \d/m);
    expect(text).to.match(/^process_resident_memory_bytes \d/m);
    expect(text).to.match(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).to.include("# TYPE nodejs_gc_duration_seconds histogram");
    // Ops were included by the tests above: both histograms hold observations.
    const value = (series: string) => {
      const m = new RegExp(`^${series.replace(/[{}"+.]/g, "\\$&")} (\\S+)$`, "m").exec(text);
      expect(m, series).to.not.equal(null);
      return Number(m![1]);
    };
    expect(text).to.include("# TYPE leash_relayer_accept_to_included_seconds histogram");
    expect(text).to.include("# TYPE leash_relayer_bundle_size histogram");
    const included = value('leash_relayer_user_ops_total{outcome="included",reason=""}');
    expect(included).to.be.greaterThan(0);
    expect(value("leash_relayer_accept_to_included_seconds_count")).to.equal(included);
    expect(value('leash_relayer_accept_to_included_seconds_bucket{le="+Inf"}')).to.equal(included);
    expect(value("leash_relayer_accept_to_included_seconds_sum")).to.be.greaterThan(0);
    const bundles = value("leash_relayer_bundle_size_count");
    expect(bundles).to.be.greaterThan(0);
    // Every bundle holds at least one op and the included ones were in bundles.
    expect(value('leash_relayer_bundle_size_bucket{le="+Inf"}')).to.equal(bundles);
    expect(value("leash_relayer_bundle_size_sum")).to.be.at.least(Math.max(bundles, included));
  });

  it("test_metrics_eachRelayerHasItsOwnRegistry_aSecondOneInTheProcessStartsAtZero", async () => {
    const second = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: ep,
      db: `sqlite:${tempDir()}/second.sqlite`,
      signer: { privateKey: Wallet.createRandom().privateKey },
      port: 0,
      authRequired: false,
      logSink: () => {},
    });
    try {
      const text = await (await fetch(new URL("/metrics", second.url))).text();
      expect(text).to.match(/^process_cpu_user_seconds_total \d/m);
      expect(text).to.match(/^leash_relayer_bundle_size_count 0$/m);
      expect(text).to.match(/^leash_relayer_accept_to_included_seconds_count 0$/m);
      expect(text).to.not.match(/leash_relayer_user_ops_total\{outcome="included"/);
      // ... while the first keeps its own counts.
      const first = await (await fetch(new URL("/metrics", relayer.url))).text();
      expect(first).to.match(/^leash_relayer_bundle_size_count [1-9]/m);
    } finally {
      await second.close();
    }
  });

  it("keeps a verifiable audit log of accepted and rejected ops", async () => {
    const verification = await verifyAuditLog(relayer.store);
    expect(verification.ok).to.equal(true);
    const rows = await relayer.store.readAudit(0, 10_000);
    const events = new Set(rows.map((r) => r.event));
    expect(events.has("accepted")).to.equal(true);
    expect(events.has("rejected")).to.equal(true);
    expect(events.has("included")).to.equal(true);
  });

  it("writes JSON logs with components and never the signer's private key", () => {
    expect(logLines.length).to.be.greaterThan(5);
    for (const line of logLines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).to.have.property("level");
      expect(entry).to.have.property("msg");
    }
    expect(
      logLines.some((l) => (JSON.parse(l) as { component?: string }).component === "bundler"),
    ).to.equal(true);
    const key = HARDHAT_KEYS[1].slice(2).toLowerCase();
    expect(logLines.join("\n").toLowerCase()).not.to.include(key);
  });

  it("test_logs_eachJsonRpcRequestHasItsOwnRequestId_carriedByItsHandlersLines", async () => {
    const from = logLines.length;
    const batch = await postRaw(
      relayer.url,
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] },
        { jsonrpc: "2.0", id: 2, method: "eth_supportedEntryPoints", params: [] },
      ]),
      { "content-type": "application/json" },
    );
    expect(batch.status).to.equal(200);
    const rpcLines = logLines
      .slice(from)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.msg === "rpc");
    expect(rpcLines.map((e) => e.method)).to.deep.equal([
      "eth_chainId",
      "eth_supportedEntryPoints",
    ]);
    const ids = rpcLines.map((e) => e.requestId);
    for (const id of ids) expect(id).to.match(/^[0-9a-f-]{36}$/);
    expect(ids[0]).to.not.equal(ids[1]);
    expect(rpcLines.every((e) => e.component === "rpc")).to.equal(true);

    // A handler's own line (a rejected op) carries the id of the request it served.
    const all = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const rejected = all.filter((e) => e.msg === "user operation rejected");
    expect(rejected.length).to.be.greaterThan(0);
    for (const line of rejected) {
      expect(line.requestId).to.match(/^[0-9a-f-]{36}$/);
      const summary = all.filter((e) => e.msg === "rpc" && e.requestId === line.requestId);
      expect(summary.length).to.equal(1);
      expect(summary[0].method).to.equal(line.method);
      expect(line.method).to.be.oneOf(["eth_sendUserOperation", "eth_estimateUserOperationGas"]);
    }
  });
});

function toRpcPacked(op: UserOperation): { accountGasLimits: string; gasFees: string } {
  const pad = (v: bigint) => v.toString(16).padStart(32, "0");
  return {
    accountGasLimits: "0x" + pad(op.verificationGasLimit) + pad(op.callGasLimit),
    gasFees: "0x" + pad(op.maxPriorityFeePerGas) + pad(op.maxFeePerGas),
  };
}
