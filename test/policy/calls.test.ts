import { expect } from "chai";
import { Interface, concat, id, zeroPadValue } from "ethers";
import {
  type Connection,
  NATIVE,
  addAgent,
  agentOp,
  buildAgentOpFor,
  decodeError,
  deployPolicyWorld,
  deployTokens,
  expectInnerCallError,
  expectOpError,
  expectSuccess,
  isolatedFixture,
  limits,
  nativePay,
  ownersRun,
  selfCall,
  spentOf,
  tokenCall,
  tokenPay,
  utc,
} from "../helpers/policy.js";
import { ownerSignDigest } from "../helpers/fixtures.js";

const T = utc(2030, 7, 2, 10);
const EXPIRES = utc(2030, 7, 2, 12);
const TOKEN_LIMITS = limits({ perTx: 1_000n, daily: 2_000n });
const sel = (sig: string) => id(sig).slice(0, 10);

const callsFixture = isolatedFixture(async function callsFixture(conn: Connection) {
  const world = await deployPolicyWorld(conn);
  const tokens = await deployTokens(world);
  const payable = await world.ethers.deployContract("MockPayable");
  const receiver = await world.ethers.deployContract("ReentrantNativeReceiver");
  const addr = {
    erc20: await tokens.erc20.getAddress(),
    other: await tokens.other.getAddress(),
    noReturn: await tokens.noReturn.getAddress(),
    falseReturn: await tokens.falseReturn.getAddress(),
    weirdReturn: await tokens.weirdReturn.getAddress(),
    fee: await tokens.fee.getAddress(),
    reentrant: await tokens.reentrant.getAddress(),
    nft: await tokens.nft.getAddress(),
    payable: await payable.getAddress(),
    receiver: await receiver.getAddress(),
  };
  const [a, b] = world.agents;
  const [r0, r1] = world.recipients;
  await addAgent(world, a.address, {
    assets: [
      [NATIVE, limits({ perTx: 1_000n, daily: 5_000n })],
      ...[
        addr.erc20,
        addr.noReturn,
        addr.falseReturn,
        addr.weirdReturn,
        addr.fee,
        addr.reentrant,
      ].map((t) => [t, TOKEN_LIMITS] as [string, typeof TOKEN_LIMITS]),
    ],
    recipients: [r0, r1, addr.receiver, addr.nft],
    permissions: [
      {
        target: addr.payable,
        selector: sel("deposit()"),
        maxValue: 50n,
        expiresAt: Number(EXPIRES),
      },
      { target: addr.payable, selector: sel("ping()") },
    ],
  });
  await addAgent(world, b.address, { assets: [[addr.erc20, TOKEN_LIMITS]], recipients: [r0] });
  return { world, tokens, payable, receiver, addr, a, b, r0, r1 };
});

describe("Policy: what an agent's calls may do", function () {
  describe("token calldata the decoder must not mis-read", function () {
    it("test_transfer_extraTrailingBytes_refused", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      const call = tokenPay(addr.erc20, r0, 10n);
      call.data = concat([call.data, "0x00"]);
      expectOpError(await agentOp(world, a, [call], { at: T }), "PolicyMalformedCall", [
        a.address,
        addr.erc20,
      ]);
      expect(await tokens.erc20.balanceOf(r0)).to.equal(0n);
    });

    it("test_transfer_shortCalldata_refused", async function () {
      const { world, addr, a, r0 } = await callsFixture();
      const call = tokenPay(addr.erc20, r0, 10n);
      call.data = call.data.slice(0, -2); // 67 bytes
      expectOpError(await agentOp(world, a, [call], { at: T }), "PolicyMalformedCall", [
        a.address,
        addr.erc20,
      ]);
    });

    it("test_transfer_dirtyAddressBits_refused", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      // The high 96 bits of the address word set: a token would read r0 but the policy must not guess.
      const dirty = "0x" + "ff".repeat(12) + r0.slice(2).toLowerCase();
      const data = concat([sel("transfer(address,uint256)"), dirty, zeroPadValue("0x0a", 32)]);
      const res = await agentOp(world, a, [{ target: addr.erc20, value: 0n, data }], { at: T });
      expectOpError(res, "PolicyMalformedCall", [a.address, addr.erc20]);
      expect(await tokens.erc20.balanceOf(r0)).to.equal(0n);
    });

    it("test_transfer_trailingBytesOnTrackedToken_refusedWhateverThePermissions", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      // No (token, transfer) permission can exist (setCallPermission refuses it), and the movement rules are
      // read before any permission: malformed calldata on a tracked token is never an uncounted transfer.
      const call = tokenPay(addr.erc20, r0, 500_000n);
      call.data = concat([call.data, "0x00"]);
      expectOpError(await agentOp(world, a, [call], { at: T }), "PolicyMalformedCall", [
        a.address,
        addr.erc20,
      ]);
      expect(await tokens.erc20.balanceOf(r0)).to.equal(0n);
    });

    it("test_transferFrom_fromSomeoneElse_refused", async function () {
      const { world, addr, a, r0, r1 } = await callsFixture();
      const res = await agentOp(world, a, [tokenCall(addr.erc20, "transferFrom", [r1, r0, 10n])], {
        at: T,
      });
      expectOpError(res, "PolicyTransferFromNotWallet", [a.address, addr.erc20, r1]);
    });

    it("test_transferFrom_fromWallet_countedAgainstLimits", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      // The owners let the wallet spend its own tokens through transferFrom (an ordinary owner payment call).
      await ownersRun(world, [tokenCall(addr.erc20, "approve", [world.address, 5_000n])]);
      const res = await agentOp(
        world,
        a,
        [tokenCall(addr.erc20, "transferFrom", [world.address, r0, 1_000n])],
        { at: T },
      );
      expectSuccess(res);
      expect(await tokens.erc20.balanceOf(r0)).to.equal(1_000n);
      expect(await spentOf(world, a.address, addr.erc20)).to.deep.equal([1_000n, 1_000n, 1_000n]);
      const over = await agentOp(
        world,
        a,
        [tokenCall(addr.erc20, "transferFrom", [world.address, r0, 1_001n])],
        {
          at: T + 1n,
        },
      );
      expectOpError(over, "PolicyPerTxLimitExceeded", [a.address, addr.erc20, 1_001n, 1_000n]);
    });

    it("test_erc721TransferFrom_onNft_refused", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      const res = await agentOp(
        world,
        a,
        [tokenCall(addr.nft, "transferFrom", [world.address, r0, 7n])],
        { at: T },
      );
      expectOpError(res, "PolicyTokenMovementNotAllowed", [
        a.address,
        addr.nft,
        sel("transferFrom(address,address,uint256)"),
      ]);
      expect(await tokens.nft.ownerOf(7n)).to.equal(world.address);
    });

    it("test_permit_refused", async function () {
      const { world, addr, a, r0 } = await callsFixture();
      const call = tokenCall(addr.erc20, "permit", [
        world.address,
        r0,
        10n,
        0n,
        27,
        zeroPadValue("0x01", 32),
        zeroPadValue("0x01", 32),
      ]);
      expectOpError(await agentOp(world, a, [call], { at: T }), "PolicyTokenMovementNotAllowed", [
        a.address,
        addr.erc20,
        sel("permit(address,address,uint256,uint256,uint8,bytes32,bytes32)"),
      ]);
    });

    it("test_unknownSelector_onToken_refused", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      const call = {
        target: addr.erc20,
        value: 0n,
        data: tokens.erc20.interface.encodeFunctionData("mint", [r0, 1n]),
      };
      expectOpError(await agentOp(world, a, [call], { at: T }), "PolicyCallNotAllowed", [
        a.address,
        addr.erc20,
        sel("mint(address,uint256)"),
      ]);
    });

    it("test_multicallWrappedTransfer_refused", async function () {
      const { world, addr, a, r0 } = await callsFixture();
      const inner = tokenPay(addr.erc20, r0, 10n).data;
      const data = new Interface(["function multicall(bytes[] data)"]).encodeFunctionData(
        "multicall",
        [[inner, inner]],
      );
      expectOpError(
        await agentOp(world, a, [{ target: addr.erc20, value: 0n, data }], { at: T }),
        "PolicyCallNotAllowed",
        [a.address, addr.erc20, sel("multicall(bytes[])")],
      );
    });

    it("test_malformedCall_oneToThreeBytes_refused", async function () {
      const { world, a, r0 } = await callsFixture();
      for (const [i, data] of ["0x12", "0x1234", "0x123456"].entries()) {
        const res = await agentOp(world, a, [{ target: r0, value: 0n, data }], {
          at: T + BigInt(i),
        });
        expectOpError(res, "PolicyMalformedCall", [a.address, r0]);
      }
    });

    it("test_tokenWithoutLimits_refused", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      const res = await agentOp(world, a, [tokenPay(addr.other, r0, 1n)], { at: T });
      expectOpError(res, "PolicyTokenMovementNotAllowed", [
        a.address,
        addr.other,
        sel("transfer(address,uint256)"),
      ]);
      expect(await tokens.other.balanceOf(r0)).to.equal(0n);
    });

    it("test_tokenTransfer_unlistedRecipient_refused", async function () {
      const { world, addr, a } = await callsFixture();
      const stranger = world.recipients[3];
      expectOpError(
        await agentOp(world, a, [tokenPay(addr.erc20, stranger, 1n)], { at: T }),
        "PolicyRecipientNotAllowed",
        [a.address, stranger],
      );
    });

    it("test_tokenCall_withValue_refused", async function () {
      const { world, addr, a, r0 } = await callsFixture();
      const call = { ...tokenPay(addr.erc20, r0, 1n), value: 1n };
      expectOpError(await agentOp(world, a, [call], { at: T }), "PolicyTokenCallWithValue", [
        a.address,
        addr.erc20,
        1n,
      ]);
    });
  });

  describe("zero amounts and signatures", function () {
    it("test_tokenTransfer_zeroAmount_executesAndCountsNothing", async function () {
      const { world, addr, a, r0 } = await callsFixture();
      const res = await agentOp(world, a, [tokenPay(addr.erc20, r0, 0n)], { at: T });
      expectSuccess(res);
      expect(
        res.walletEvents.find((e) => e.name === "AgentCallExecuted")!.args.toArray(),
      ).to.deep.equal([a.address, addr.erc20, addr.erc20, 0n]);
      expect(await spentOf(world, a.address, addr.erc20)).to.deep.equal([0n, 0n, 0n]);
    });

    it("test_isValidSignature_agentKeyCanNeverSignForTheWallet", async function () {
      const { world, a } = await callsFixture();
      const hash = id("pay me");
      const safe = await world.wallet.replaySafeHash(hash);
      for (const digest of [hash, safe]) {
        const raw = a.signingKey.sign(digest).serialized;
        expect(await world.wallet.isValidSignature(hash, raw)).to.equal("0xffffffff");
        const packed = concat([a.address, "0x0041", raw]); // the owners' packed format, signed by the agent
        expect(await world.wallet.isValidSignature(hash, packed)).to.equal("0xffffffff");
      }
      // Control: the owners' threshold signature over the same replay-safe hash is accepted.
      const owners = ownerSignDigest(world.owners.slice(0, 2), safe);
      expect(await world.wallet.isValidSignature(hash, owners)).to.equal("0x1626ba7e");
    });
  });

  describe("approvals count as spending", function () {
    it("test_approve_countsApprovedAmount", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      expectSuccess(
        await agentOp(world, a, [tokenCall(addr.erc20, "approve", [r0, 800n])], { at: T }),
      );
      expect(await tokens.erc20.allowance(world.address, r0)).to.equal(800n);
      expect(await spentOf(world, a.address, addr.erc20)).to.deep.equal([800n, 800n, 800n]);
      const over = await agentOp(world, a, [tokenCall(addr.erc20, "approve", [r0, 1_001n])], {
        at: T + 1n,
      });
      expectOpError(over, "PolicyPerTxLimitExceeded", [a.address, addr.erc20, 1_001n, 1_000n]);
    });

    it("test_increaseAllowance_countsIncrement", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      expectSuccess(
        await agentOp(world, a, [tokenCall(addr.erc20, "increaseAllowance", [r0, 600n])], {
          at: T,
        }),
      );
      expectSuccess(
        await agentOp(world, a, [tokenCall(addr.erc20, "increaseAllowance", [r0, 600n])], {
          at: T + 1n,
        }),
      );
      expect(await tokens.erc20.allowance(world.address, r0)).to.equal(1_200n);
      expect((await spentOf(world, a.address, addr.erc20))[0]).to.equal(1_200n);
      const over = await agentOp(
        world,
        a,
        [tokenCall(addr.erc20, "increaseAllowance", [r0, 801n])],
        { at: T + 2n },
      );
      expectOpError(over, "PolicyDailyLimitExceeded", [
        a.address,
        addr.erc20,
        1_200n,
        801n,
        2_000n,
      ]);
    });

    it("test_approve_unlistedSpender_refused", async function () {
      const { world, tokens, addr, a } = await callsFixture();
      const stranger = world.recipients[3];
      const res = await agentOp(world, a, [tokenCall(addr.erc20, "approve", [stranger, 1n])], {
        at: T,
      });
      expectOpError(res, "PolicyRecipientNotAllowed", [a.address, stranger]);
      expect(await tokens.erc20.allowance(world.address, stranger)).to.equal(0n);
    });
  });

  describe("forbidden targets and permissions", function () {
    it("test_agentCallsWallet_refused", async function () {
      const { world, a } = await callsFixture();
      const escalate = selfCall(world, "setAssetLimits", [
        a.address,
        NATIVE,
        limits({ perTx: 10n ** 24n }),
      ]);
      expectOpError(await agentOp(world, a, [escalate], { at: T }), "PolicyForbiddenTarget", [
        a.address,
        world.address,
      ]);
      expectOpError(
        await agentOp(world, a, [nativePay(world.address, 0n)], { at: T + 1n }),
        "PolicyForbiddenTarget",
        [a.address, world.address],
      );
      const [l] = await world.wallet.getAssetLimits(a.address, NATIVE);
      expect(l.perTx).to.equal(1_000n);
    });

    it("test_agentCallsEntryPoint_refused", async function () {
      const { world, a, r0 } = await callsFixture();
      const ep = await world.entryPoint.getAddress();
      const deposit = await world.entryPoint.balanceOf(world.address);
      const withdraw = {
        target: ep,
        value: 0n,
        data: world.entryPoint.interface.encodeFunctionData("withdrawTo", [r0, 1n]),
      };
      expectOpError(await agentOp(world, a, [withdraw], { at: T }), "PolicyForbiddenTarget", [
        a.address,
        ep,
      ]);
      // The failed op's gas is paid from the deposit, but nothing was withdrawn to r0.
      expect(await world.entryPoint.balanceOf(world.address)).to.be.lessThan(deposit);
      const addStake = { target: ep, value: 1n, data: "0x" };
      expectOpError(await agentOp(world, a, [addStake], { at: T + 1n }), "PolicyForbiddenTarget", [
        a.address,
        ep,
      ]);
    });

    it("test_native_assetWithoutLimits_refused", async function () {
      const { world, b, r0 } = await callsFixture();
      expectOpError(
        await agentOp(world, b, [nativePay(r0, 1n)], { at: T }),
        "PolicyAssetNotAllowed",
        [b.address, NATIVE],
      );
    });

    it("test_native_unlistedRecipient_refused", async function () {
      const { world, a } = await callsFixture();
      const stranger = world.recipients[3];
      expectOpError(
        await agentOp(world, a, [nativePay(stranger, 1n)], { at: T }),
        "PolicyRecipientNotAllowed",
        [a.address, stranger],
      );
    });

    it("test_permission_valueAtMaxAllowedAndCounted_maxPlusOneRefused", async function () {
      const { world, payable, addr, a } = await callsFixture();
      const deposit = (value: bigint) => ({ target: addr.payable, value, data: sel("deposit()") });
      expectSuccess(await agentOp(world, a, [deposit(50n)], { at: T }));
      expect(await payable.deposits()).to.equal(50n);
      expect((await spentOf(world, a.address, NATIVE))[0]).to.equal(50n);
      expectOpError(
        await agentOp(world, a, [deposit(51n)], { at: T + 1n }),
        "PolicyCallValueTooHigh",
        [a.address, addr.payable, 51n, 50n],
      );
    });

    it("test_permission_atExpiresAtAllowed_oneSecondLaterRefused", async function () {
      const { world, addr, a } = await callsFixture();
      const deposit = { target: addr.payable, value: 1n, data: sel("deposit()") };
      expectSuccess(await agentOp(world, a, [deposit], { at: EXPIRES }));
      expectOpError(
        await agentOp(world, a, [deposit], { at: EXPIRES + 1n }),
        "PolicyCallPermissionExpired",
        [a.address, addr.payable, sel("deposit()"), EXPIRES],
      );
    });

    it("test_permission_zeroMaxValue_refusesValue_andOtherSelectorRefused", async function () {
      const { world, addr, a } = await callsFixture();
      expectSuccess(
        await agentOp(world, a, [{ target: addr.payable, value: 0n, data: sel("ping()") }], {
          at: T,
        }),
      );
      expectOpError(
        await agentOp(world, a, [{ target: addr.payable, value: 1n, data: sel("ping()") }], {
          at: T + 1n,
        }),
        "PolicyCallValueTooHigh",
        [a.address, addr.payable, 1n, 0n],
      );
      expectOpError(
        await agentOp(world, a, [{ target: addr.payable, value: 0n, data: sel("deposits()") }], {
          at: T + 2n,
        }),
        "PolicyCallNotAllowed",
        [a.address, addr.payable, sel("deposits()")],
      );
    });

    it("test_batch_oneForbiddenCall_nothingRuns", async function () {
      const { world, a, r0 } = await callsFixture();
      const before = await world.ethers.provider.getBalance(r0);
      const res = await agentOp(
        world,
        a,
        [nativePay(r0, 10n), nativePay(world.recipients[3], 10n)],
        { at: T },
      );
      expectOpError(res, "PolicyRecipientNotAllowed", [a.address, world.recipients[3]]);
      expect(await world.ethers.provider.getBalance(r0)).to.equal(before);
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([0n, 0n, 0n]);
    });

    it("test_failedInnerCall_revertsOpAndCounters", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      // The NFT contract has no receive(): the native payment to it reverts.
      const res = await agentOp(
        world,
        a,
        [tokenPay(addr.erc20, r0, 100n), nativePay(addr.nft, 10n)],
        { at: T },
      );
      expectOpError(res, "WalletCallFailed", [1n, "0x"]);
      expect(await tokens.erc20.balanceOf(r0)).to.equal(0n);
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([0n, 0n, 0n]);
      expect(await spentOf(world, a.address, addr.erc20)).to.deep.equal([0n, 0n, 0n]);
    });

    it("test_tokenTransferAboveBalance_innerRevert_notCounted", async function () {
      const { world, addr, b, r0 } = await callsFixture();
      // The owners move most tokens out: b's 1000 is within its limits but above the wallet's balance.
      await ownersRun(world, [tokenPay(addr.erc20, world.recipients[2], 999_500n)]);
      const res = await agentOp(world, b, [tokenPay(addr.erc20, r0, 1_000n)], { at: T });
      expectInnerCallError(res, 0, "ERC20InsufficientBalance");
      expect(await spentOf(world, b.address, addr.erc20)).to.deep.equal([0n, 0n, 0n]);
    });
  });

  describe("non-standard tokens", function () {
    it("test_noReturnValueToken_executesAndCounts", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      expectSuccess(await agentOp(world, a, [tokenPay(addr.noReturn, r0, 700n)], { at: T }));
      expect(await tokens.noReturn.balanceOf(r0)).to.equal(700n);
      expect((await spentOf(world, a.address, addr.noReturn))[0]).to.equal(700n);
    });

    it("test_falseReturningToken_refusedAndNotCounted", async function () {
      const { world, addr, a, r0 } = await callsFixture();
      const res = await agentOp(world, a, [tokenPay(addr.falseReturn, r0, 700n)], { at: T });
      expectOpError(res, "PolicyTokenCallFailed", [a.address, addr.falseReturn]);
      expect(await spentOf(world, a.address, addr.falseReturn)).to.deep.equal([0n, 0n, 0n]);
      const approve = await agentOp(world, a, [tokenCall(addr.falseReturn, "approve", [r0, 1n])], {
        at: T + 1n,
      });
      expectOpError(approve, "PolicyTokenCallFailed", [a.address, addr.falseReturn]);
    });

    it("test_malformedReturnDataToken_refused", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      const res = await agentOp(world, a, [tokenPay(addr.weirdReturn, r0, 700n)], { at: T });
      expectOpError(res, "PolicyTokenCallFailed", [a.address, addr.weirdReturn]);
      expect(await tokens.weirdReturn.balanceOf(r0)).to.equal(0n);
    });

    it("test_feeOnTransferToken_countsNominalAmount", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      expectSuccess(await agentOp(world, a, [tokenPay(addr.fee, r0, 1_000n)], { at: T }));
      expect(await tokens.fee.balanceOf(r0)).to.equal(990n);
      expect(await spentOf(world, a.address, addr.fee)).to.deep.equal([1_000n, 1_000n, 1_000n]);
      // The nominal amounts fill the daily cap although the recipient received only 1980.
      expectSuccess(await agentOp(world, a, [tokenPay(addr.fee, r0, 1_000n)], { at: T + 1n }));
      expect(await tokens.fee.balanceOf(r0)).to.equal(1_980n);
      const over = await agentOp(world, a, [tokenPay(addr.fee, r0, 1n)], { at: T + 2n });
      expectOpError(over, "PolicyDailyLimitExceeded", [a.address, addr.fee, 2_000n, 1n, 2_000n]);
    });
  });

  describe("reentrancy", function () {
    it("test_reentrantTokenHook_cannotRunASecondAgentOp", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      // A valid, signed second op of the same agent (next nonce), replayed by the token's transfer hook.
      const second = await buildAgentOpFor(world, a, [tokenPay(addr.reentrant, r0, 1_000n)], 1n);
      const handleOps = world.entryPoint.interface.encodeFunctionData("handleOps", [
        [second],
        world.bundler.address,
      ]);
      await (await tokens.reentrant.arm(await world.entryPoint.getAddress(), handleOps)).wait();
      expectSuccess(await agentOp(world, a, [tokenPay(addr.reentrant, r0, 1_000n)], { at: T }));
      expect(await tokens.reentrant.reentered()).to.equal(true);
      expect(await tokens.reentrant.reentryOk()).to.equal(false);
      expect(decodeError(await tokens.reentrant.reentryResult())?.name).to.equal(
        "ReentrancyGuardReentrantCall",
      );
      expect(await tokens.reentrant.balanceOf(r0)).to.equal(1_000n);
      expect(await spentOf(world, a.address, addr.reentrant)).to.deep.equal([
        1_000n,
        1_000n,
        1_000n,
      ]);
    });

    it("test_reentrantTokenHook_cannotCallExecuteUserOp", async function () {
      const { world, tokens, addr, a, r0 } = await callsFixture();
      const op = await buildAgentOpFor(world, a, [tokenPay(addr.reentrant, r0, 1_000n)], 1n);
      const data = world.wallet.interface.encodeFunctionData("executeUserOp", [
        op,
        zeroPadValue("0x01", 32),
      ]);
      await (await tokens.reentrant.arm(world.address, data)).wait();
      expectSuccess(await agentOp(world, a, [tokenPay(addr.reentrant, r0, 500n)], { at: T }));
      expect(await tokens.reentrant.reentryOk()).to.equal(false);
      const err = decodeError(await tokens.reentrant.reentryResult());
      expect(err?.name).to.equal("WalletOnlyEntryPoint");
      expect(err?.args[0]).to.equal(addr.reentrant);
      expect(await tokens.reentrant.balanceOf(r0)).to.equal(500n);
      expect((await spentOf(world, a.address, addr.reentrant))[0]).to.equal(500n);
    });

    it("test_reentrantNativeRecipient_cannotRunASecondAgentOp", async function () {
      const { world, receiver, addr, a, r0 } = await callsFixture();
      const second = await buildAgentOpFor(world, a, [nativePay(r0, 1_000n)], 1n);
      const handleOps = world.entryPoint.interface.encodeFunctionData("handleOps", [
        [second],
        world.bundler.address,
      ]);
      await (await receiver.arm(await world.entryPoint.getAddress(), handleOps)).wait();
      const before = await world.ethers.provider.getBalance(r0);
      expectSuccess(await agentOp(world, a, [nativePay(addr.receiver, 100n)], { at: T }));
      expect(await receiver.reentered()).to.equal(true);
      expect(await receiver.reentryOk()).to.equal(false);
      expect(await world.ethers.provider.getBalance(r0)).to.equal(before);
      expect((await spentOf(world, a.address, NATIVE))[0]).to.equal(100n);
    });
  });
});
