/**
 * LeashLens answers every wallet view from the wallet's storage (read through the core's `extsload`). What must
 * hold, each checked here:
 * - the same answer as the wallet's own view, byte for byte, in many states: a differential test over every view
 *   and many arguments against an oracle (a wallet whose module, `WalletModuleWithViews`, still has every view
 *   written in plain Solidity over the managers' typed storage), through the lens's functions and through its
 *   fallback as a wallet's module reaches it (the caller is the wallet), after each step of one scenario (owners and guardians added and removed, pause, delays,
 *   proposals in every state with calls whose `data` takes each storage encoding, nonces, agents in every status,
 *   rules, limits, wallet caps, spending across day, ISO-week and month boundaries and a UTC-offset change,
 *   recipients, permissions); where the wallet's view reverts, the lens reverts with the same data;
 * - the lens covers every view of the wallet except the few that need the wallet's code;
 * - it reads nothing but a wallet: an account without code, a token, the zero address are refused
 *   (`LensNotAWallet`), never answered with zeros;
 * - it can't write: no state-changing function in its ABI (its fallback only makes STATICCALLs), no storage, and
 *   no opcode in its code that writes storage, logs, calls with value or delegates (only STATICCALL);
 * - a production wallet answers every view through its module's fallback exactly as the lens does;
 * - `extsload` returns exactly what `eth_getStorageAt` returns, single and batched (empty batch included).
 */
import { expect } from "chai";
import hre, { network } from "hardhat";
import {
  AbiCoder,
  Interface,
  type FunctionFragment,
  ZeroAddress,
  concat,
  getBytes,
  hexlify,
  id,
  keccak256,
  parseEther,
  toBeHex,
  toQuantity,
  zeroPadValue,
} from "ethers";
import { IAgentWallet__factory, ILeashLens__factory } from "../../typechain-types/index.js";
import { DAY, HOUR, testWallets } from "../helpers/fixtures.js";
import {
  type CallStruct,
  NATIVE,
  type PolicyWorld,
  addAgent,
  agentOp,
  deployPolicyWorld,
  deployTokens,
  expectSuccess,
  limits,
  nativePay,
  ownersRun,
  ownersSubmit,
  rules,
  selfCall,
  tokenPay,
  utc,
} from "../helpers/policy.js";

// The oracle module is a test build over EIP-170 (the production module and lens are checked by codeSize.test).
const conn = await network.create({ override: { allowUnlimitedContractSize: true } });
const { ethers, networkHelpers, provider } = conn;
// Plain ethers Interfaces: the views are encoded by name from a table.
const lensInterface: Interface = ILeashLens__factory.createInterface();
const walletInterface: Interface = IAgentWallet__factory.createInterface();

/** The wallet views the lens deliberately doesn't answer: they need the wallet's code or immutables. */
const NOT_IN_LENS = [
  "entryPoint()", // an immutable of the core (the lens reads it for getDeposit)
  "module()", // an immutable of the core
  "extsload(bytes32)",
  "extsload(bytes32[])",
  "isValidSignature(bytes32,bytes)", // runs owners' ERC-1271 code
  "requiredDelay((address,uint256,bytes)[])", // a dry run of the setters (not a view)
];

/** Every view the lens answers: the wallet's `IWalletViews` (answered through its module's fallback) and the
 * core's `replaySafeHash`. */
const LENS_VIEWS = [
  "getOwners",
  "isOwner",
  "threshold",
  "signatureEpoch",
  "isGuardian",
  "paused",
  "adminDelay",
  "upgradeDelay",
  "getGuardians",
  "pausedAt",
  "minPauseDuration",
  "isNonceUsed",
  "getProposal",
  "getProposalCalls",
  "hasApproved",
  "proposalCount",
  "hashSignedCalls",
  "getAgent",
  "agentOfKey",
  "gasBudget",
  "remaining",
  "maxLoss",
  "getAssetLimits",
  "spent",
  "walletCaps",
  "isRecipientAllowed",
  "getCallPermission",
  "utcOffset",
  "hashGuardianAction",
  "hashProposalApproval",
  "getDeposit",
  "hashOwnerOperation",
  "replaySafeHash",
];

/** The views a wallet's module forwards to the lens's fallback (all but the core's `replaySafeHash`). */
const FORWARDED = new Set(LENS_VIEWS.filter((name) => name !== "replaySafeHash"));

type Outcome = { ok: boolean; data: string };

/** The revert data a JSON-RPC error carries (EDR puts it in `data`, as a hex string or `{ data }`). */
function revertData(e: unknown): string | undefined {
  const err = e as { data?: unknown; error?: { data?: unknown } };
  for (const candidate of [err.data, (err.data as { data?: unknown })?.data, err.error?.data])
    if (typeof candidate === "string" && candidate.startsWith("0x")) return candidate;
  return undefined;
}

/** One eth_call at `block` (from `from` when given): its return data, or its revert data. */
async function rawCall(to: string, data: string, block: number, from?: string): Promise<Outcome> {
  try {
    const out = (await provider.request({
      method: "eth_call",
      params: [from ? { from, to, data } : { to, data }, toQuantity(block)],
    })) as string;
    return { ok: true, data: out };
  } catch (e) {
    const reverted = revertData(e);
    if (reverted === undefined) throw e;
    return { ok: false, data: reverted };
  }
}

/** Everything the views are asked about in a state. */
type Subjects = {
  accounts: string[];
  agents: string[];
  assets: string[];
  ids: bigint[];
  nonces: bigint[];
  targets: string[];
  selectors: string[];
  hashes: string[];
  datas: string[];
  batches: CallStruct[][];
};

function cross<A, B>(as: A[], bs: B[]): [A, B][] {
  return as.flatMap((a) => bs.map((b) => [a, b] as [A, B]));
}

/** The argument lists each view is called with (after the wallet argument, for the lens). */
function argumentsOf(name: string, s: Subjects): unknown[][] {
  const deadline = 4_102_444_800n; // 2100-01-01
  switch (name) {
    case "isOwner":
    case "isGuardian":
      return s.accounts.map((a) => [a]);
    case "isNonceUsed":
      return s.nonces.map((n) => [n]);
    case "getProposal":
    case "getProposalCalls":
      return s.ids.map((i) => [i]);
    case "hasApproved":
      return cross(s.ids, s.accounts);
    case "hashSignedCalls":
      return cross(s.batches, [0n, 7n]).map(([b, n]) => [b, n, deadline]);
    case "getAgent":
    case "gasBudget":
    case "agentOfKey":
      return s.agents.map((a) => [a]);
    case "remaining":
    case "maxLoss":
    case "getAssetLimits":
    case "spent":
      return cross(s.agents, s.assets);
    case "walletCaps":
      return s.assets.map((a) => [a]);
    case "isRecipientAllowed":
      return cross(s.agents, s.accounts);
    case "getCallPermission":
      return cross(cross(s.agents, s.targets), s.selectors).map(([[a, t], sel]) => [a, t, sel]);
    case "hashGuardianAction":
      return cross(s.datas, [0n, 9n]).map(([d, n]) => [d, n, deadline]);
    case "hashProposalApproval":
      return cross(s.ids, [0n, 9n]).map(([i, n]) => [i, n, deadline]);
    case "hashOwnerOperation":
    case "replaySafeHash":
      return s.hashes.map((h) => [h]);
    default:
      return [[]];
  }
}

type Tally = { compared: number; bothReverted: Map<string, string[]>; succeeded: Set<string> };

/**
 * Calls every lens view and the wallet's own with the same arguments at the same block and requires the same
 * outcome: the same return bytes (the same ABI types, so the same values), or the same revert data. Each view of
 * `IWalletViews` is also asked of the lens's fallback the way a wallet's module forwards it (the wallet's own
 * calldata, the wallet as caller), which must answer alike.
 */
async function expectLensMatchesWallet(
  lens: string,
  wallet: string,
  s: Subjects,
  label: string,
): Promise<Tally> {
  const block = await provider.request({ method: "eth_blockNumber" }).then((b) => Number(b));
  const tally: Tally = { compared: 0, bothReverted: new Map(), succeeded: new Set() };
  for (const name of LENS_VIEWS) {
    for (const args of argumentsOf(name, s)) {
      const fromWallet = await rawCall(
        wallet,
        walletInterface.encodeFunctionData(name, args),
        block,
      );
      const fromLens = await rawCall(
        lens,
        lensInterface.encodeFunctionData(name, [wallet, ...args]),
        block,
      );
      const what = `${label}: ${name}(${args.map((a) => JSON.stringify(a, (_, v) => (typeof v === "bigint" ? v.toString() : v))).join(", ")})`;
      expect(fromLens, what).to.deep.equal(fromWallet);
      if (FORWARDED.has(name)) {
        const forwarded = await rawCall(
          lens,
          walletInterface.encodeFunctionData(name, args),
          block,
          wallet,
        );
        expect(forwarded, `${what} (through the fallback)`).to.deep.equal(fromWallet);
      }
      tally.compared++;
      if (fromWallet.ok) tally.succeeded.add(name);
      else tally.bothReverted.set(name, [...(tally.bothReverted.get(name) ?? []), fromWallet.data]);
    }
  }
  return tally;
}

const PERMITTED_SELECTOR = "0x12345678";
const OTHER_SELECTOR = "0xdeadbeef";
/** Call data of every storage encoding of `bytes`: empty, short (1 to 31 bytes, inline), one word and more. */
const DATAS = [0, 1, 4, 16, 31, 32, 33, 64, 65, 100].map((n) =>
  hexlify(Uint8Array.from({ length: n }, (_, i) => (i * 7 + 1) % 256)),
);

describe("LeashLens", function () {
  this.timeout(600_000);

  let world: PolicyWorld;
  let lens: string;
  let tokens: Awaited<ReturnType<typeof deployTokens>>;
  let erc20: string;
  let other: string;
  const [agentA, agentB, agentC, agentD, agentE, agentE2, unknownAgent] = testWallets(
    7,
    "leash-lens-agent",
  );
  const [newOwner, newGuardian, outsider] = testWallets(3, "leash-lens-people");
  const extraIds: bigint[] = [];
  const usedNonces: bigint[] = [];
  const proposedData = new Map<bigint, string[]>();

  function subjects(): Subjects {
    const recipients = world.recipients;
    return {
      accounts: [
        ...world.owners.map((o) => o.address),
        world.guardian.address,
        newOwner.address,
        newGuardian.address,
        outsider.address,
        recipients[0],
        recipients[1],
        ZeroAddress,
      ],
      agents: [agentA, agentB, agentC, agentD, agentE, agentE2, unknownAgent].map((a) => a.address),
      assets: [NATIVE, erc20, other, outsider.address],
      ids: [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, ...extraIds, 1000n],
      nonces: [0n, 1n, 2n, 3n, 4n, 5n, 6n, ...usedNonces, 2n ** 255n],
      targets: [erc20, outsider.address],
      selectors: [PERMITTED_SELECTOR, OTHER_SELECTOR],
      hashes: [ZeroAddress.padEnd(66, "0"), id("a message"), keccak256("0x01")],
      datas: DATAS,
      batches: [
        [],
        [nativePay(outsider.address, 5n)],
        DATAS.map((data, i) => ({ target: erc20, value: BigInt(i), data })),
      ],
    };
  }

  async function matches(label: string): Promise<Tally> {
    const tally = await expectLensMatchesWallet(lens, world.address, subjects(), label);
    // Hundreds of comparisons per state, most of them answered (not two identical reverts).
    expect(tally.compared, label).to.be.greaterThan(400);
    expect(tally.succeeded.size, label).to.be.greaterThanOrEqual(LENS_VIEWS.length - 2);
    return tally;
  }

  before(async function () {
    world = await deployPolicyWorld(conn, { moduleName: "WalletModuleWithViews" });
    tokens = await deployTokens(world);
    erc20 = await tokens.erc20.getAddress();
    other = await tokens.other.getAddress();
    lens = await (await ethers.deployContract("LeashLens")).getAddress();
  });

  describe("interface", function () {
    it("test_lens_answersEveryWalletView_withTheWalletFirst_sameArgumentsAndReturnTypes", async function () {
      const walletViews = new Map<string, FunctionFragment>();
      walletInterface.forEachFunction((f) => {
        if (f.constant) walletViews.set(f.name, f);
      });
      const lensFunctions: FunctionFragment[] = [];
      lensInterface.forEachFunction((f) => lensFunctions.push(f));
      expect(lensFunctions.map((f) => f.name).sort()).to.deep.equal([...LENS_VIEWS].sort());
      for (const f of lensFunctions) {
        const w = walletViews.get(f.name);
        expect(w, f.name).to.not.equal(undefined);
        expect(f.inputs[0].type, `${f.name} first argument`).to.equal("address");
        expect(f.inputs.slice(1).map((p) => p.format("sighash"))).to.deep.equal(
          w!.inputs.map((p) => p.format("sighash")),
        );
        expect(
          f.outputs.map((p) => p.format("sighash")),
          `${f.name} returns`,
        ).to.deep.equal(w!.outputs.map((p) => p.format("sighash")));
      }
      // Every view the wallet answers is in the lens, but for the ones that need its code.
      const missing: string[] = [];
      walletInterface.forEachFunction((f) => {
        if (!LENS_VIEWS.includes(f.name) && (f.constant || f.name === "requiredDelay"))
          missing.push(f.format("sighash"));
      });
      expect(missing.sort()).to.deep.equal([...NOT_IN_LENS].sort());
    });

    it("test_lens_hasNoStateChangingFunction_noConstructorArguments_aNonPayableFallback", async function () {
      const artifact = await hre.artifacts.readArtifact("LeashLens");
      const fallbacks: string[] = [];
      for (const entry of artifact.abi as {
        type: string;
        stateMutability?: string;
        name?: string;
      }[]) {
        if (entry.type === "function")
          expect(entry.stateMutability, entry.name).to.be.oneOf(["view", "pure"]);
        else if (entry.type === "fallback") fallbacks.push(entry.stateMutability!);
        else expect(entry.type, JSON.stringify(entry)).to.equal("error");
      }
      // The wallets' views arrive through it; it takes no value (and the code test shows it can't write).
      expect(fallbacks).to.deep.equal(["nonpayable"]);
    });

    it("test_lens_code_hasNoStorageAccessNoWriteNoValueCall_onlyStaticcall", async function () {
      const code = getBytes(
        (await provider.request({ method: "eth_getCode", params: [lens, "latest"] })) as string,
      );
      const FORBIDDEN: Record<number, string> = {
        0x54: "SLOAD",
        0x55: "SSTORE",
        0x5c: "TLOAD",
        0x5d: "TSTORE",
        0xa0: "LOG0",
        0xa1: "LOG1",
        0xa2: "LOG2",
        0xa3: "LOG3",
        0xa4: "LOG4",
        0xf0: "CREATE",
        0xf1: "CALL",
        0xf2: "CALLCODE",
        0xf4: "DELEGATECALL",
        0xf5: "CREATE2",
        0xff: "SELFDESTRUCT",
      };
      // Legacy code ends with INVALID, then data (constants, CBOR metadata): walk the opcodes up to it.
      const found: string[] = [];
      let staticcalls = 0;
      let pc = 0;
      for (; pc < code.length && code[pc] !== 0xfe; pc++) {
        const op = code[pc];
        if (op >= 0x60 && op <= 0x7f)
          pc += op - 0x5f; // PUSH1..PUSH32 data
        else if (FORBIDDEN[op]) found.push(`${FORBIDDEN[op]} at ${pc}`);
        else if (op === 0xfa) staticcalls++;
      }
      // The walk covered the code, not a prefix of it: what follows is the data (7 slot constants) and metadata.
      expect(code.length - pc).to.be.lessThan(400);
      expect(found).to.deep.equal([]);
      expect(staticcalls).to.be.greaterThan(0);
    });
  });

  describe("a production wallet's views: its module forwards them to the lens", function () {
    let prod: PolicyWorld;
    before(async function () {
      prod = await deployPolicyWorld(conn);
    });

    it("test_fallback_productionWalletAnswersEveryViewExactlyAsTheLens", async function () {
      // The wallet's answers come through core -> module fallback -> lens fallback (STATICCALL), reverts
      // included (unknown proposal ids): the same bytes as the lens asked directly.
      const tally = await expectLensMatchesWallet(lens, prod.address, subjects(), "production");
      expect(tally.compared).to.be.greaterThan(400);
      expect(tally.bothReverted.get("getProposal")?.length ?? 0).to.be.greaterThan(0);
    });

    it("test_fallback_unknownSelectorRevertsLensUnknownView_andValueIsRefused", async function () {
      const block = Number(await provider.request({ method: "eth_blockNumber" }));
      for (const selector of ["0xdeadbeef", "0x00000000"]) {
        expect(await rawCall(prod.address, selector, block), selector).to.deep.equal({
          ok: false,
          data: walletInterface.encodeErrorResult("LensUnknownView", [selector]),
        });
      }
      // Shorter than a selector: reported as selector zero.
      expect(await rawCall(prod.address, "0x1234", block)).to.deep.equal({
        ok: false,
        data: walletInterface.encodeErrorResult("LensUnknownView", ["0x00000000"]),
      });
      // Value sent with a call nobody implements is refused, never kept; a view sent value too.
      const before = await ethers.provider.getBalance(prod.address);
      for (const data of ["0xdeadbeef", walletInterface.encodeFunctionData("threshold")]) {
        let refused = false;
        try {
          await (await prod.stranger.sendTransaction({ to: prod.address, data, value: 1n })).wait();
        } catch {
          refused = true;
        }
        expect(refused, data).to.equal(true);
      }
      expect(await ethers.provider.getBalance(prod.address)).to.equal(before);
      // Plain ETH still arrives (the core's receive).
      await (await prod.stranger.sendTransaction({ to: prod.address, value: 1n })).wait();
      expect(await ethers.provider.getBalance(prod.address)).to.equal(before + 1n);
    });

    it("test_fallback_dynamicArgumentOffsetThatCantShift_isRefusedNotAnswered", async function () {
      // hashSignedCalls / hashGuardianAction with a first word so large it can't move one word further: the
      // fallback leaves it as is and the decoder refuses it (no answer for a malformed call); a well-formed one
      // through the same path answers.
      const block = Number(await provider.request({ method: "eth_blockNumber" }));
      for (const name of ["hashSignedCalls", "hashGuardianAction"]) {
        const good = walletInterface.encodeFunctionData(
          name,
          name === "hashSignedCalls" ? [[], 1n, 2n] : ["0x", 1n, 2n],
        );
        expect((await rawCall(lens, good, block, prod.address)).ok, name).to.equal(true);
        const bad = good.slice(0, 10) + "f".repeat(64) + good.slice(74);
        expect(await rawCall(lens, bad, block, prod.address), name).to.deep.equal({
          ok: false,
          data: "0x",
        });
      }
    });

    it("test_fallback_calledDirectlyByAnAccount_readsThatAccount_LensNotAWallet", async function () {
      // Anyone may call the lens's fallback; it answers for its caller, and an account is no wallet.
      const block = Number(await provider.request({ method: "eth_blockNumber" }));
      const out = await rawCall(
        lens,
        walletInterface.encodeFunctionData("threshold"),
        block,
        outsider.address,
      );
      expect(out).to.deep.equal({
        ok: false,
        data: lensInterface.encodeErrorResult("LensNotAWallet", [outsider.address]),
      });
    });
  });

  describe("refuses what is not a wallet", function () {
    for (const kind of ["an account without code", "a token", "the zero address"] as const) {
      it(`test_lens_${kind.replaceAll(" ", "_")}_everyViewRevertsLensNotAWallet`, async function () {
        const target =
          kind === "a token" ? erc20 : kind === "the zero address" ? ZeroAddress : outsider.address;
        const block = Number(await provider.request({ method: "eth_blockNumber" }));
        const expected = lensInterface.encodeErrorResult("LensNotAWallet", [target]);
        const s = subjects();
        for (const name of LENS_VIEWS) {
          const args = argumentsOf(name, s)[1] ?? argumentsOf(name, s)[0];
          const out = await rawCall(
            lens,
            lensInterface.encodeFunctionData(name, [target, ...args]),
            block,
          );
          expect(out, `${kind}: ${name}`).to.deep.equal({ ok: false, data: expected });
        }
      });
    }
    // `extsload` answered with data of another shape than a wallet's: every branch of the shape check.
    const word = (n: bigint) => zeroPadValue(toBeHex(n), 32);
    const SHAPES: [string, string, string[]][] = [
      ["31 bytes", hexlify(new Uint8Array(31).fill(1)), LENS_VIEWS],
      ["33 bytes", hexlify(new Uint8Array(33).fill(1)), LENS_VIEWS],
      // A whole bytes32[] of one word: too long for one slot, the wrong length for any batch the lens asks.
      ["a bytes32[1]", AbiCoder.defaultAbiCoder().encode(["bytes32[]"], [[word(1n)]]), LENS_VIEWS],
      // The size of remaining's 3-slot batch (64 + 3 * 32 bytes), with the array at another offset.
      [
        "a 3-word batch at offset 0x40",
        concat([word(0x40n), word(3n), word(1n), word(2n), word(3n)]),
        ["remaining"],
      ],
      // `entryPoint()` answered with a word that is no address: zero, or wider than 160 bits.
      ["a zero entry point", word(0n), ["getDeposit"]],
      ["an entry point wider than an address", word(1n << 160n), ["getDeposit"]],
      // The same size, claiming 4 words.
      [
        "a 3-word batch claiming 4",
        concat([word(0x20n), word(4n), word(1n), word(2n), word(3n)]),
        ["remaining"],
      ],
    ];
    for (const [shape, reply, views] of SHAPES) {
      it(`test_lens_aContractAnswering_${shape.replaceAll(" ", "_")}_isRefused`, async function () {
        const liar = await (await ethers.deployContract("ReturnWithMock", [reply])).getAddress();
        const block = Number(await provider.request({ method: "eth_blockNumber" }));
        const expected = lensInterface.encodeErrorResult("LensNotAWallet", [liar]);
        const s = subjects();
        for (const name of views) {
          const args = argumentsOf(name, s)[1] ?? argumentsOf(name, s)[0];
          const out = await rawCall(
            lens,
            lensInterface.encodeFunctionData(name, [liar, ...args]),
            block,
          );
          expect(out, `${shape}: ${name}`).to.deep.equal({ ok: false, data: expected });
        }
      });
    }
  });

  describe("extsload", function () {
    async function storageAt(slot: string, block: number): Promise<string> {
      return (await provider.request({
        method: "eth_getStorageAt",
        params: [world.address, slot, toQuantity(block)],
      })) as string;
    }
    const SLOTS = [
      zeroPadValue("0x", 32),
      "0x7d576eff179db935d3ab443a53ea78110ec3b116226c9f43e548bd6e52aead00", // owners length
      "0x7d576eff179db935d3ab443a53ea78110ec3b116226c9f43e548bd6e52aead02", // threshold
      "0xd6a01d205fe7cb06f70f774377caeefe585b2a16280dcddd6c1db359322afb00", // hot slot
      "0x6909ebce0f05237610ec75b8326e559fad5f486810496a391d4d70b6bc89bf00", // delays
      "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc", // ERC-1967 implementation
      id("no such slot"),
    ];

    it("test_extsload_single_equalsEthGetStorageAt", async function () {
      const block = Number(await provider.request({ method: "eth_blockNumber" }));
      const nonZero = [];
      for (const slot of SLOTS) {
        const out = await rawCall(
          world.address,
          walletInterface.encodeFunctionData("extsload(bytes32)", [slot]),
          block,
        );
        const expected = await storageAt(slot, block);
        expect(out, slot).to.deep.equal({ ok: true, data: zeroPadValue(expected, 32) });
        if (BigInt(expected) !== 0n) nonZero.push(slot);
      }
      expect(nonZero.length, "slots with content").to.be.greaterThanOrEqual(4);
    });

    it("test_extsload_batch_equalsEthGetStorageAt_inOrder_duplicatesAndEmptyBatchIncluded", async function () {
      const block = Number(await provider.request({ method: "eth_blockNumber" }));
      const coder = AbiCoder.defaultAbiCoder();
      for (const batch of [[], [SLOTS[3]], SLOTS, [...SLOTS].reverse(), [SLOTS[2], SLOTS[2]]]) {
        const out = await rawCall(
          world.address,
          walletInterface.encodeFunctionData("extsload(bytes32[])", [batch]),
          block,
        );
        const expected = [];
        for (const slot of batch) expected.push(zeroPadValue(await storageAt(slot, block), 32));
        expect(out, `${batch.length} slots`).to.deep.equal({
          ok: true,
          data: coder.encode(["bytes32[]"], [expected]),
        });
      }
    });
  });

  describe("differential: every lens view equals the wallet's in each state", function () {
    it("a fresh wallet (unknown proposal ids revert ProposalNotFound from both)", async function () {
      const tally = await matches("fresh");
      const notFound = tally.bothReverted.get("getProposal") ?? [];
      expect(notFound.length).to.equal(subjects().ids.length);
      expect(walletInterface.parseError(notFound[0])?.name).to.equal("ProposalNotFound");
      expect(tally.bothReverted.get("getProposalCalls")?.length).to.equal(subjects().ids.length);
      // Every other view answered.
      expect([...tally.bothReverted.keys()].sort()).to.deep.equal([
        "getProposal",
        "getProposalCalls",
      ]);
      expect(tally.succeeded.size).to.equal(LENS_VIEWS.length - 2);
    });

    it("agents with and without velocity and gas budget, native and ERC-20 limits, wallet caps, recipients, permissions", async function () {
      await networkHelpers.time.increaseTo(utc(2030, 1, 20, 10));
      const now = BigInt(await networkHelpers.time.latest());
      await addAgent(world, agentA.address, {
        rules: rules({
          maxOpsPerHour: 10,
          maxOpsPerDay: 40,
          minSecondsBetweenOps: 0,
          allowedHours: 0xfffff0,
          allowedDays: 0x7f,
          gasPerDay: parseEther("5"),
        }),
        assets: [
          [
            NATIVE,
            limits({
              perTx: parseEther("1"),
              approvalAbove: parseEther("0.8"),
              daily: parseEther("2"),
              weekly: parseEther("5"),
              monthly: parseEther("9"),
            }),
          ],
          [erc20, limits({ perTx: 500n, daily: 1_000n, weekly: 3_000n, monthly: 5_000n })],
        ],
        recipients: [world.recipients[0], world.recipients[1]],
        permissions: [
          {
            target: erc20,
            selector: PERMITTED_SELECTOR,
            maxValue: 5n,
            expiresAt: Number(now + 20n * DAY),
          },
        ],
      });
      // No velocity, no gas limit (type(uint64).max), a daily cap only.
      await addAgent(world, agentB.address, {
        rules: rules({ gasPerDay: 2n ** 64n - 1n }),
        assets: [[NATIVE, limits({ daily: parseEther("3") })]],
        recipients: [world.recipients[0]],
      });
      for (const agent of [agentC, agentD, agentE])
        await addAgent(world, agent.address, {
          validUntil: Number(now + 400n * DAY),
          assets: [[NATIVE, limits({ perTx: parseEther("0.5") })]],
          recipients: [world.recipients[1]],
        });
      // Limits but no wallet-wide cap yet: `remaining` answers from the agent's windows alone.
      const [enabledBefore] = await world.wallet.walletCaps(NATIVE);
      expect(enabledBefore).to.equal(false);
      await matches("agents configured, no wallet caps");
      await ownersRun(world, [
        selfCall(world, "setWalletCaps", [NATIVE, parseEther("4"), parseEther("8"), 0n]),
        selfCall(world, "setWalletCaps", [other, 0n, 0n, 777n]),
      ]);
      const [enabled] = await world.wallet.walletCaps(NATIVE);
      expect(enabled).to.equal(true);
      await matches("agents configured");
    });

    it("spending, then across a day, an ISO week and a month boundary", async function () {
      const pay = async (at: bigint) => {
        expectSuccess(
          await agentOp(world, agentA, [nativePay(world.recipients[0], parseEther("0.3"))], { at }),
        );
        expectSuccess(await agentOp(world, agentA, [tokenPay(erc20, world.recipients[1], 200n)]));
        expectSuccess(
          await agentOp(world, agentB, [nativePay(world.recipients[0], parseEther("0.7"))]),
        );
      };
      await pay(utc(2030, 1, 29, 10)); // Tuesday
      const [daily] = await world.wallet.spent(agentA.address, NATIVE);
      expect(daily).to.equal(parseEther("0.3"));
      await matches("Tue 29 Jan, after spending");
      await networkHelpers.time.increaseTo(utc(2030, 1, 30, 9)); // next day, same week and month
      await matches("Wed 30 Jan, before spending");
      await pay(utc(2030, 1, 30, 10));
      await networkHelpers.time.increaseTo(utc(2030, 2, 1, 9)); // next month, same ISO week
      const [d, w, m] = await world.wallet.spent(agentA.address, NATIVE);
      expect([d, w, m]).to.deep.equal([0n, parseEther("0.6"), 0n]);
      await matches("Fri 1 Feb, new month, same week");
      await pay(utc(2030, 2, 1, 10));
      await networkHelpers.time.increaseTo(utc(2030, 2, 4, 9)); // Monday: new ISO week
      await matches("Mon 4 Feb, new week");
    });

    it("an escalated payment, a UTC-offset change that puts the last spend's day ahead of today", async function () {
      // Above approvalAbove: becomes a proposal for the owners.
      const res = await agentOp(
        world,
        agentA,
        [nativePay(world.recipients[1], parseEther("0.9"))],
        {
          at: utc(2030, 2, 4, 11),
        },
      );
      expectSuccess(res);
      expect(res.walletEvents.map((e) => e.name)).to.include("ApprovalRequested");
      await matches("escalated");
      // +14 h: 11:00 UTC is 01:00 the next local day; spend there, then move to -12 h.
      await ownersRun(world, [selfCall(world, "setUtcOffset", [14 * 3600])]);
      const at = utc(2030, 2, 6, 11);
      expectSuccess(
        await agentOp(world, agentB, [nativePay(world.recipients[0], parseEther("0.1"))], { at }),
      );
      await matches("offset +14 h");
      await networkHelpers.time.setNextBlockTimestamp(at + 60n);
      const queued = await ownersSubmit(world, [selfCall(world, "setUtcOffset", [-12 * 3600])]);
      expect(queued).to.not.equal(undefined);
      await networkHelpers.time.increaseTo(queued!.eta);
      await (await world.wallet.execute(queued!.id)).wait();
      expect(await world.wallet.utcOffset()).to.equal(-12n * 3600n);
      // The state this step is for: agent B's native spend slot names a local day after today.
      const coder = AbiCoder.defaultAbiCoder();
      const policy = 0x33eaa593b4258d700b54f1e47ba2ef94435ea624569365d301cd68085d44a400n;
      const entry = keccak256(
        coder.encode(
          ["address", "bytes32"],
          [NATIVE, keccak256(coder.encode(["address", "uint256"], [agentB.address, policy]))],
        ),
      );
      const spendWord = BigInt(
        (await provider.request({
          method: "eth_getStorageAt",
          params: [world.address, toBeHex(BigInt(entry) + 1n), "latest"],
        })) as string,
      );
      const localToday = (BigInt(await networkHelpers.time.latest()) - 12n * 3600n) / DAY;
      expect(spendWord >> 240n).to.equal((localToday + 1n) & 0xffffn);
      await matches("offset -12 h, last spend a local day ahead");
    });

    it("proposals Pending, Queued, Executed, Cancelled, with call data of every storage encoding", async function () {
      const w = world.wallet;
      const [o0, o1] = await Promise.all(
        world.owners.slice(0, 2).map(async (o) => {
          await networkHelpers.setBalance(o.address, parseEther("10"));
          return ethers.getImpersonatedSigner(o.address);
        }),
      );
      const expiresAt = BigInt(await networkHelpers.time.latest()) + 30n * DAY;
      const calls = DATAS.map((data, i) => ({ target: outsider.address, value: BigInt(i), data }));
      const propose = async (batch: CallStruct[]) => {
        const pid = await w.connect(o0).propose.staticCall(batch, expiresAt);
        await (await w.connect(o0).propose(batch, expiresAt)).wait();
        proposedData.set(
          pid,
          batch.map((c) => c.data),
        );
        extraIds.push(pid);
        return pid;
      };
      const pending = await propose(calls);
      const queued = await propose(calls.slice(1, 3));
      await (await w.connect(o1).approve(queued)).wait();
      const executed = await propose([selfCall(world, "addGuardian", [newGuardian.address])]);
      await (await w.connect(o1).approve(executed)).wait();
      const cancelled = await propose(calls.slice(3));
      await (await w.connect(world.guardian).cancel(cancelled)).wait();
      const [, , , , eta] = await w.getProposal(executed);
      await networkHelpers.time.increaseTo(eta);
      await (await w.execute(executed)).wait();
      const states = await Promise.all(
        [pending, queued, executed, cancelled].map((p) => w.getProposal(p)),
      );
      expect(states.map((s) => s[0])).to.deep.equal([1n, 2n, 3n, 4n]);
      // The lens decodes each stored `bytes` to what was proposed (not only to what the wallet says).
      const lensContract = ILeashLens__factory.connect(lens, world.bundler);
      for (const [pid, datas] of proposedData) {
        const stored = await lensContract.getProposalCalls(world.address, pid);
        expect(stored.map((c) => c.data)).to.deep.equal(datas);
      }
      await matches("proposals in every state");
    });

    it("owners and guardians added and removed; a removed owner's approvals; paused and unpaused; changed delays; used nonces", async function () {
      const w = world.wallet;
      const [o0, o1] = await Promise.all(
        world.owners.slice(0, 2).map((o) => ethers.getImpersonatedSigner(o.address)),
      );
      const expiresAt = BigInt(await networkHelpers.time.latest()) + 60n * DAY;
      // Owner 2 proposes (its approval, the only one), then is removed: its approval stops counting, though
      // its `approvedBy` flag stays in storage.
      const removed = world.owners[2];
      await networkHelpers.setBalance(removed.address, parseEther("10"));
      const o2 = await ethers.getImpersonatedSigner(removed.address);
      const batch = [nativePay(outsider.address, 1n)];
      const pid = await w.connect(o2).propose.staticCall(batch, expiresAt);
      await (await w.connect(o2).propose(batch, expiresAt)).wait();
      extraIds.push(pid);
      expect(await w.hasApproved(pid, removed.address)).to.equal(true);
      await ownersRun(world, [
        selfCall(world, "addOwner", [newOwner.address]),
        selfCall(world, "removeOwner", [world.owners[2].address]),
        selfCall(world, "removeGuardian", [newGuardian.address]),
      ]);
      expect(await w.isOwner(removed.address)).to.equal(false);
      expect(await w.hasApproved(pid, removed.address)).to.equal(false);
      expect((await w.getProposal(pid))[6]).to.equal(0n);
      await matches("owner replaced, guardian removed");
      await (await w.connect(world.guardian).invalidateNonce(4242n)).wait();
      usedNonces.push(4242n);
      await (await w.connect(world.guardian).pause()).wait();
      expect(await w.paused()).to.equal(true);
      await matches("paused");
      await ownersRun(world, [selfCall(world, "unpause", [])]);
      await ownersRun(world, [
        selfCall(world, "setDelays", [2n * HOUR, 3n * DAY]),
        selfCall(world, "setMinPauseDuration", [2n * HOUR]),
      ]);
      expect(await w.adminDelay()).to.equal(2n * HOUR);
      // Re-added, the same address starts with no approval.
      await ownersRun(world, [selfCall(world, "addOwner", [removed.address])]);
      expect(await w.isOwner(removed.address)).to.equal(true);
      expect(await w.hasApproved(pid, removed.address)).to.equal(false);
      await (await w.connect(o1).approve(pid)).wait();
      await matches("unpaused, delays changed, removed owner re-added, a proposal approved");
    });

    it("agents suspended, revoked, rotated; recipient removed; permission past its expiry", async function () {
      const w = world.wallet;
      await (await w.connect(world.guardian).suspendAgent(agentC.address)).wait();
      await (await w.connect(world.guardian).revokeAgent(agentD.address)).wait();
      await ownersRun(world, [
        selfCall(world, "rotateAgentKey", [agentE.address, agentE2.address]),
        selfCall(world, "removeRecipient", [agentA.address, world.recipients[1]]),
      ]);
      const [key, status] = await w.getAgent(agentE.address);
      expect([key, status]).to.deep.equal([agentE2.address, 1n]);
      const [permission] = [await w.getCallPermission(agentA.address, erc20, PERMITTED_SELECTOR)];
      if (BigInt(await networkHelpers.time.latest()) <= permission.expiresAt)
        await networkHelpers.time.increaseTo(permission.expiresAt + 1n);
      expect(BigInt(await networkHelpers.time.latest())).to.be.greaterThan(permission.expiresAt);
      await matches("statuses changed, permission expired");
      // Agent validity past its end: maxLoss says 0 for it.
      await networkHelpers.time.increase(400n * DAY);
      expect(await w.maxLoss(agentE.address, NATIVE)).to.equal(0n);
      await matches("agent keys expired");
    });
  });
});
