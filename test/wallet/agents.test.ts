import { expect } from "chai";
import { network } from "hardhat";
import { Interface, concat, zeroPadValue } from "ethers";
import {
  NATIVE,
  buildUserOp,
  packUint128Pair,
  signAgentOp,
  signDigest,
} from "../helpers/fixtures.js";
import {
  ADMIN_DELAY,
  AgentStatus,
  SIG_VALIDATION_FAILED,
  addAgent,
  agentFixture,
  agentOp,
  applyLoosening,
  defaultLimits,
  defaultRules,
  errorData,
  latest,
  packValidationData,
  pay,
  queuedFrom,
  self,
  signedExec,
  validateAsEntryPoint,
  walletFixture,
} from "../helpers/wallet.js";
import type { Conn, WalletFx } from "../helpers/wallet.js";

const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;
const load = () => networkHelpers.loadFixture(walletFixture);
const loadAgent = () => networkHelpers.loadFixture(agentFixture);

async function asEntryPoint(fx: WalletFx) {
  const ep = await fx.entryPoint.getAddress();
  await networkHelpers.impersonateAccount(ep);
  await networkHelpers.setBalance(ep, ethers.parseEther("10"));
  return ethers.getSigner(ep);
}

async function expectAA24(fx: WalletFx, op: Awaited<ReturnType<typeof agentOp>>) {
  expect(await validateAsEntryPoint(conn, fx, op)).to.equal(SIG_VALIDATION_FAILED);
  await expect(fx.entryPoint.handleOps([op], fx.bundler.address))
    .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
    .withArgs(0n, "AA24 signature error");
}

describe("AgentManager", function () {
  describe("addAgent", function () {
    it("test_addAgent_revertsWhenCalledDirectly", async function () {
      const fx = await load();
      await expect(
        fx.wallet
          .connect(fx.ownerSigners[0])
          .addAgent(fx.agentKey.address, 0, 0, defaultRules(ethers)),
      )
        .to.be.revertedWithCustomError(fx.wallet, "WalletOnlySelf")
        .withArgs(fx.owners[0].address);
    });

    it("test_addAgent_timelockedThenActive", async function () {
      const fx = await load();
      const rules = defaultRules(ethers);
      const validUntil = (await latest(conn)) + 30n * 86400n;
      const tx = await signedExec(conn, fx, [
        self(fx, "addAgent", [fx.agentKey.address, 5, validUntil, rules]),
      ]);
      const { id: pid, eta } = await queuedFrom(fx, tx);
      expect(eta).to.equal(BigInt((await tx.getBlock())!.timestamp) + ADMIN_DELAY);
      expect((await fx.wallet.getAgent(fx.agentKey.address))[1]).to.equal(AgentStatus.None);
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(pid))
        .to.emit(fx.wallet, "AgentAdded")
        .withArgs(fx.agentKey.address, 5n, validUntil, Object.values(rules));
      const [key, status, validAfter, until, stored] = await fx.wallet.getAgent(
        fx.agentKey.address,
      );
      expect([key, status, validAfter, until]).to.deep.equal([
        fx.agentKey.address,
        AgentStatus.Active,
        5n,
        validUntil,
      ]);
      expect(stored.maxOpCost).to.equal(rules.maxOpCost);
      expect(await fx.wallet.agentOfKey(fx.agentKey.address)).to.equal(fx.agentKey.address);
    });

    it("test_addAgent_revertsOnInvalidKey", async function () {
      const fx = await loadAgent();
      for (const key of [ethers.ZeroAddress, fx.address, fx.agentKey.address]) {
        await expect(
          applyLoosening(conn, fx, [self(fx, "addAgent", [key, 0, 0, defaultRules(ethers)])]),
        )
          .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
          .withArgs(0n, errorData("AgentInvalidKey(address)", [key]));
      }
    });

    it("test_addAgent_revertsOnInvalidValidity", async function () {
      const fx = await load();
      const now = await latest(conn);
      const far = now + 1000n * 86400n;
      const cases: [bigint, bigint][] = [
        [far, far], // validUntil must be above validAfter
        [far + 1n, far],
        [0n, now - 1n], // validUntil must be in the future (when the call runs)
        [0n, 2n ** 40n], // beyond uint40
        [2n ** 40n, 0n],
      ];
      for (const [after, until] of cases) {
        await expect(
          applyLoosening(conn, fx, [
            self(fx, "addAgent", [fx.agentKey.address, after, until, defaultRules(ethers)]),
          ]),
        )
          .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
          .withArgs(0n, errorData("AgentInvalidValidity(uint256,uint256)", [after, until]));
      }
    });

    it("test_addAgent_revertsOnInvalidRules", async function () {
      const fx = await load();
      const base = defaultRules(ethers);
      for (const rules of [
        { ...base, maxOpCost: 0n },
        { ...base, allowedHours: 0 },
        { ...base, allowedDays: 0 },
        { ...base, allowedDays: 0x80 },
      ]) {
        await expect(
          applyLoosening(conn, fx, [self(fx, "addAgent", [fx.agentKey.address, 0, 0, rules])]),
        )
          .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
          .withArgs(0n, errorData("AgentInvalidRules()"));
      }
    });
  });

  describe("suspend, resume, revoke", function () {
    it("test_suspendAgent_byGuardianInstantlyStopsAgent", async function () {
      const fx = await loadAgent();
      const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
      expect(await validateAsEntryPoint(conn, fx, op)).to.equal(0n);
      await expect(fx.wallet.connect(fx.guardian).suspendAgent(fx.agentKey.address))
        .to.emit(fx.wallet, "AgentSuspended")
        .withArgs(fx.agentKey.address, fx.guardian.address);
      expect((await fx.wallet.getAgent(fx.agentKey.address))[1]).to.equal(AgentStatus.Suspended);
      await expectAA24(fx, op);
    });

    it("test_suspendAgent_revertsForStrangerUnknownOrInactive", async function () {
      const fx = await loadAgent();
      const a = fx.agentKey.address;
      await expect(fx.wallet.connect(fx.stranger).suspendAgent(a))
        .to.be.revertedWithCustomError(fx.wallet, "GuardianUnauthorized")
        .withArgs(fx.stranger.address);
      await expect(fx.wallet.connect(fx.guardian).suspendAgent(fx.outsider.address))
        .to.be.revertedWithCustomError(fx.wallet, "AgentNotFound")
        .withArgs(fx.outsider.address);
      await (await fx.wallet.connect(fx.guardian).suspendAgent(a)).wait();
      await expect(fx.wallet.connect(fx.ownerSigners[0]).suspendAgent(a))
        .to.be.revertedWithCustomError(fx.wallet, "AgentInvalidStatus")
        .withArgs(a, AgentStatus.Suspended);
    });

    it("test_resumeAgent_timelocked", async function () {
      const fx = await loadAgent();
      const a = fx.agentKey.address;
      await (await fx.wallet.connect(fx.guardian).suspendAgent(a)).wait();
      await expect(
        fx.wallet.connect(fx.ownerSigners[0]).resumeAgent(a),
      ).to.be.revertedWithCustomError(fx.wallet, "WalletOnlySelf");
      const { id: pid, eta } = await queuedFrom(
        fx,
        await signedExec(conn, fx, [self(fx, "resumeAgent", [a])]),
      );
      expect((await fx.wallet.getProposal(pid))[5]).to.equal(ADMIN_DELAY);
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(pid)).to.emit(fx.wallet, "AgentResumed").withArgs(a);
      const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
      expect(await validateAsEntryPoint(conn, fx, op)).to.equal(0n);
    });

    it("test_resumeAgent_revertsWhenActive", async function () {
      const fx = await loadAgent();
      await expect(applyLoosening(conn, fx, [self(fx, "resumeAgent", [fx.agentKey.address])]))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(
          0n,
          errorData("AgentInvalidStatus(address,uint8)", [fx.agentKey.address, AgentStatus.Active]),
        );
    });

    it("test_revokeAgent_byGuardianIsFinal", async function () {
      const fx = await loadAgent();
      const a = fx.agentKey.address;
      const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
      await expect(fx.wallet.connect(fx.guardian).revokeAgent(a))
        .to.emit(fx.wallet, "AgentRevoked")
        .withArgs(a, fx.guardian.address);
      expect((await fx.wallet.getAgent(a))[1]).to.equal(AgentStatus.Revoked);
      await expectAA24(fx, op);
      const revoked = errorData("AgentInvalidStatus(address,uint8)", [a, AgentStatus.Revoked]);
      await expect(fx.wallet.connect(fx.guardian).revokeAgent(a))
        .to.be.revertedWithCustomError(fx.wallet, "AgentInvalidStatus")
        .withArgs(a, AgentStatus.Revoked);
      for (const call of [
        self(fx, "resumeAgent", [a]),
        self(fx, "rotateAgentKey", [a, fx.agentKey2.address]),
        self(fx, "setAgentRules", [a, 0, 0, defaultRules(ethers)]),
        self(fx, "setAssetLimits", [a, NATIVE, defaultLimits(ethers)]),
      ]) {
        await expect(applyLoosening(conn, fx, [call]))
          .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
          .withArgs(0n, revoked);
      }
    });

    it("test_revokeAgent_suspendedAgentCanBeRevoked", async function () {
      const fx = await loadAgent();
      await (await fx.wallet.connect(fx.guardian).suspendAgent(fx.agentKey.address)).wait();
      await expect(fx.wallet.connect(fx.ownerSigners[1]).revokeAgent(fx.agentKey.address)).to.emit(
        fx.wallet,
        "AgentRevoked",
      );
    });

    it("test_revokeAgent_revertsForStrangerOrUnknown", async function () {
      const fx = await loadAgent();
      await expect(fx.wallet.connect(fx.stranger).revokeAgent(fx.agentKey.address))
        .to.be.revertedWithCustomError(fx.wallet, "GuardianUnauthorized")
        .withArgs(fx.stranger.address);
      await expect(fx.wallet.connect(fx.guardian).revokeAgent(fx.outsider.address))
        .to.be.revertedWithCustomError(fx.wallet, "AgentNotFound")
        .withArgs(fx.outsider.address);
    });
  });

  describe("rotateAgentKey", function () {
    it("test_rotateAgentKey_keepsAgentIdPolicyAndCounters", async function () {
      const fx = await loadAgent();
      const agent = fx.agentKey.address;
      const newKey = fx.agentKey2;
      // Queue at 12:00 UTC so the whole scenario stays inside one UTC day at execution time.
      const now = await latest(conn);
      await networkHelpers.time.increaseTo(now - (now % 86400n) + 86400n + 12n * 3600n);
      const { id: pid, eta } = await queuedFrom(
        fx,
        await signedExec(conn, fx, [self(fx, "rotateAgentKey", [agent, newKey.address])]),
      );
      expect((await fx.wallet.getProposal(pid))[5]).to.equal(ADMIN_DELAY);
      // The old key spends during the delay; an op it signs now is refused after the rotation.
      await networkHelpers.time.setNextBlockTimestamp(eta - 60n);
      const firstOp = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1000n)]);
      await (await fx.entryPoint.handleOps([firstOp], fx.bundler.address)).wait();
      const staleOp = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
      await networkHelpers.time.setNextBlockTimestamp(eta);
      await expect(fx.wallet.execute(pid))
        .to.emit(fx.wallet, "AgentKeyRotated")
        .withArgs(agent, agent, newKey.address);
      const [key, status, , , rules] = await fx.wallet.getAgent(agent);
      expect(key).to.equal(newKey.address);
      expect(status).to.equal(AgentStatus.Active);
      expect(rules.maxOpCost).to.equal(defaultRules(ethers).maxOpCost);
      expect(await fx.wallet.agentOfKey(newKey.address)).to.equal(agent);
      expect((await fx.wallet.getAssetLimits(agent, NATIVE))[1]).to.equal(true);
      expect((await fx.wallet.spent(agent, NATIVE))[0]).to.equal(1000n);
      // The old key is refused (an op signed before the rotation too).
      await expectAA24(fx, staleOp);
      // The new key spends for the same agent, against the same counters.
      const op = await agentOp(fx, newKey, [pay(fx.recipient.address, 500n)]);
      await expect(fx.entryPoint.handleOps([op], fx.bundler.address))
        .to.emit(fx.wallet, "AgentCallExecuted")
        .withArgs(agent, fx.recipient.address, NATIVE, 500n);
      expect((await fx.wallet.spent(agent, NATIVE))[0]).to.equal(1500n);
    });

    it("test_rotateAgentKey_oldKeyCanNeverComeBack", async function () {
      const fx = await loadAgent();
      const agent = fx.agentKey.address;
      await applyLoosening(conn, fx, [self(fx, "rotateAgentKey", [agent, fx.agentKey2.address])]);
      // Neither as a new agent nor as a rotation target.
      for (const call of [
        self(fx, "addAgent", [agent, 0, 0, defaultRules(ethers)]),
        self(fx, "rotateAgentKey", [agent, agent]),
      ]) {
        await expect(applyLoosening(conn, fx, [call]))
          .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
          .withArgs(0n, errorData("AgentInvalidKey(address)", [agent]));
      }
    });

    it("test_rotateAgentKey_revertsOnKeyInUseOrUnknownAgent", async function () {
      const fx = await loadAgent();
      await addAgent(conn, fx, fx.agentKey2);
      await expect(
        applyLoosening(conn, fx, [
          self(fx, "rotateAgentKey", [fx.agentKey.address, fx.agentKey2.address]),
        ]),
      )
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("AgentInvalidKey(address)", [fx.agentKey2.address]));
      await expect(
        applyLoosening(conn, fx, [
          self(fx, "rotateAgentKey", [fx.outsider.address, fx.stranger.address]),
        ]),
      )
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("AgentNotFound(address)", [fx.outsider.address]));
    });

    it("test_rotateAgentKey_suspendedStaysSuspended", async function () {
      const fx = await loadAgent();
      await (await fx.wallet.connect(fx.guardian).suspendAgent(fx.agentKey.address)).wait();
      await applyLoosening(conn, fx, [
        self(fx, "rotateAgentKey", [fx.agentKey.address, fx.agentKey2.address]),
      ]);
      expect((await fx.wallet.getAgent(fx.agentKey.address))[1]).to.equal(AgentStatus.Suspended);
      await expectAA24(fx, await agentOp(fx, fx.agentKey2, [pay(fx.recipient.address, 1n)]));
    });
  });

  describe("setAgentRules: instant when it narrows, timelocked when it loosens", function () {
    it("test_setAgentRules_timelockedReplacesValidityAndRules", async function () {
      const fx = await loadAgent();
      const a = fx.agentKey.address;
      // A higher maxOpCost loosens: the whole change waits.
      const rules = {
        ...defaultRules(ethers),
        maxOpsPerDay: 5,
        maxOpCost: defaultRules(ethers).maxOpCost * 2n,
      };
      const until = (await latest(conn)) + 90n * 86400n;
      const { id: pid, eta } = await queuedFrom(
        fx,
        await signedExec(conn, fx, [self(fx, "setAgentRules", [a, 1, until, rules])]),
      );
      expect((await fx.wallet.getProposal(pid))[5]).to.equal(ADMIN_DELAY);
      await networkHelpers.time.increaseTo(eta);
      const tx = fx.wallet.execute(pid);
      await expect(tx).to.emit(fx.wallet, "AgentValidityChanged").withArgs(a, 0n, 0n, 1n, until);
      await expect(tx).to.emit(fx.wallet, "AgentRulesChanged");
      const [, , validAfter, validUntil, stored] = await fx.wallet.getAgent(a);
      expect([validAfter, validUntil, stored.maxOpsPerDay]).to.deep.equal([1n, until, 5n]);
    });

    it("test_setAgentRules_tighterOnEveryFieldIsInstant", async function () {
      const fx = await loadAgent();
      const a = fx.agentKey.address;
      const tighter = {
        ...defaultRules(ethers),
        maxOpCost: 1000n,
        maxOpsPerHour: 3,
        allowedDays: 0x1f,
      };
      const until = (await latest(conn)) + 86400n;
      const call = self(fx, "setAgentRules", [a, 10, until, tighter]);
      expect(await fx.wallet.requiredDelay.staticCall([call])).to.equal(0n);
      const tx = signedExec(conn, fx, [call]);
      await expect(tx).to.emit(fx.wallet, "AgentRulesChanged");
      await expect(tx).not.to.emit(fx.wallet, "ProposalQueued");
      const [, , validAfter, validUntil, stored] = await fx.wallet.getAgent(a);
      expect([validAfter, validUntil, stored.maxOpCost, stored.maxOpsPerHour]).to.deep.equal([
        10n,
        until,
        1000n,
        3n,
      ]);
    });

    it("test_setAgentRules_anyLooserFieldWaitsTheAdminDelay", async function () {
      const fx = await loadAgent();
      const a = fx.agentKey.address;
      const now = await latest(conn);
      const base = {
        ...defaultRules(ethers),
        maxOpsPerHour: 3,
        maxOpsPerDay: 10,
        minSecondsBetweenOps: 60,
        allowedHours: 0xff,
        allowedDays: 0x1f,
      };
      // Tighter on every field: instant.
      await (
        await signedExec(conn, fx, [self(fx, "setAgentRules", [a, 100, now + 30n * 86400n, base])])
      ).wait();
      const until = now + 30n * 86400n;
      // The same rules again change nothing: instant too.
      expect(
        await fx.wallet.requiredDelay.staticCall([
          self(fx, "setAgentRules", [a, 100, until, base]),
        ]),
      ).to.equal(0n);
      // Each field loosened alone (one unit, one bit) makes the whole change wait.
      const looser: [string, unknown[]][] = [
        ["validAfter", [a, 99, until, base]],
        ["validUntil", [a, 100, 0, base]],
        ["maxOpCost", [a, 100, until, { ...base, maxOpCost: base.maxOpCost + 1n }]],
        ["gasPerDay", [a, 100, until, { ...base, gasPerDay: base.gasPerDay + 1n }]],
        ["maxOpsPerHour", [a, 100, until, { ...base, maxOpsPerHour: 0 }]],
        ["maxOpsPerDay", [a, 100, until, { ...base, maxOpsPerDay: 11 }]],
        ["minSecondsBetweenOps", [a, 100, until, { ...base, minSecondsBetweenOps: 59 }]],
        ["allowedHours", [a, 100, until, { ...base, allowedHours: 0x1ff }]],
        ["allowedDays", [a, 100, until, { ...base, allowedDays: 0x3f }]],
      ];
      for (const [field, args] of looser) {
        const call = self(fx, "setAgentRules", args);
        expect(await fx.wallet.requiredDelay.staticCall([call]), field).to.equal(ADMIN_DELAY);
      }
      // Signed by the owners, a loosening is queued with that delay, and nothing changes until it runs.
      const tx = await signedExec(conn, fx, [self(fx, "setAgentRules", looser[2][1])]);
      const { id } = await queuedFrom(fx, tx);
      expect((await fx.wallet.getProposal(id))[5]).to.equal(ADMIN_DELAY);
      expect((await fx.wallet.getAgent(a))[4].maxOpCost).to.equal(base.maxOpCost);
    });
  });
});

describe("validateUserOp", function () {
  it("test_validateUserOp_returnsValidityRange", async function () {
    const fx = await load();
    const now = await latest(conn);
    const validAfter = now + 2n * 86400n;
    const validUntil = now + 3n * 86400n;
    await addAgent(conn, fx, fx.agentKey, { validAfter, validUntil });
    const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
    expect(await validateAsEntryPoint(conn, fx, op)).to.equal(
      packValidationData(false, validUntil, validAfter),
    );
  });

  it("test_handleOps_agentOpOutsideValidityRangeFailsAA22", async function () {
    const fx = await load();
    const now = await latest(conn);
    const validAfter = now + 2n * 86400n;
    const validUntil = now + 3n * 86400n;
    await addAgent(conn, fx, fx.agentKey, { validAfter, validUntil });
    // The EntryPoint accepts validAfter < block.timestamp <= validUntil: check both edges of both ends.
    const attempt = async (at: bigint) => {
      const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
      await networkHelpers.time.setNextBlockTimestamp(at);
      return fx.entryPoint.handleOps([op], fx.bundler.address);
    };
    await expect(attempt(validAfter))
      .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
      .withArgs(0n, "AA22 expired or not due");
    await expect(attempt(validAfter + 1n)).to.emit(fx.wallet, "AgentCallExecuted");
    await expect(attempt(validUntil)).to.emit(fx.wallet, "AgentCallExecuted");
    await expect(attempt(validUntil + 1n))
      .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
      .withArgs(0n, "AA22 expired or not due");
  });

  it("test_validateUserOp_unknownKeyFails", async function () {
    const fx = await loadAgent();
    const op = await agentOp(fx, fx.outsider, [pay(fx.recipient.address, 1n)]);
    await expectAA24(fx, op);
  });

  it("test_validateUserOp_wrongSignerFails", async function () {
    const fx = await loadAgent();
    // Nonce key of the agent, signed by another key (another agent of the same wallet included).
    await addAgent(conn, fx, fx.agentKey2);
    const op = await agentOp(fx, fx.agentKey2, [pay(fx.recipient.address, 1n)], {}, fx.agentKey);
    await expectAA24(fx, op);
    const byOwner = await agentOp(
      fx,
      fx.owners[0],
      [pay(fx.recipient.address, 1n)],
      {},
      fx.agentKey,
    );
    await expectAA24(fx, byOwner);
  });

  it("test_validateUserOp_malformedSignatureFailsWithoutRevert", async function () {
    const fx = await loadAgent();
    const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
    for (const signature of [
      "0x",
      "0x1234",
      "0x" + "00".repeat(65),
      concat([op.signature, "0x00"]),
    ]) {
      expect(await validateAsEntryPoint(conn, fx, { ...op, signature })).to.equal(
        SIG_VALIDATION_FAILED,
      );
    }
  });

  it("test_validateUserOp_paymasterPresentFails", async function () {
    const fx = await loadAgent();
    let op = await buildUserOp(fx.entryPoint, fx.address, BigInt(fx.agentKey.address), [
      pay(fx.recipient.address, 1n),
    ]);
    op = { ...op, paymasterAndData: concat([fx.stranger.address, zeroPadValue("0x01", 32)]) };
    const hash = await fx.entryPoint.getUserOpHash(op);
    const signed = { ...op, signature: signDigest(fx.agentKey, hash) };
    expect(await validateAsEntryPoint(conn, fx, signed, hash)).to.equal(SIG_VALIDATION_FAILED);
    // Same op without the paymaster validates.
    expect(
      await validateAsEntryPoint(
        conn,
        fx,
        await signAgentOp(fx.entryPoint, { ...op, paymasterAndData: "0x" }, fx.agentKey),
      ),
    ).to.equal(0n);
  });

  it("test_validateUserOp_opCostAboveMaxOpCostFails", async function () {
    const fx = await loadAgent();
    const maxOpCost = defaultRules(ethers).maxOpCost; // 0.1 ETH
    // (verification + call + preVerification) * maxFee: 1_000_000 gas at 100 gwei = exactly 0.1 ETH.
    const gas = {
      verification: 400_000n,
      call: 500_000n,
      preVerification: 100_000n,
      maxFee: 100_000_000_000n,
    };
    expect((gas.verification + gas.call + gas.preVerification) * gas.maxFee).to.equal(maxOpCost);
    const atCap = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)], gas);
    expect(await validateAsEntryPoint(conn, fx, atCap)).to.equal(0n);
    const above = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)], {
      ...gas,
      preVerification: 100_001n,
    });
    expect(await validateAsEntryPoint(conn, fx, above)).to.equal(SIG_VALIDATION_FAILED);
    const pricier = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)], {
      ...gas,
      maxFee: gas.maxFee + 1n,
    });
    expect(await validateAsEntryPoint(conn, fx, pricier)).to.equal(SIG_VALIDATION_FAILED);
    // Huge (but EntryPoint-bounded, < 2^120) gas values don't make validation revert.
    const huge = 2n ** 120n - 1n;
    let extreme = await buildUserOp(fx.entryPoint, fx.address, BigInt(fx.agentKey.address), [
      pay(fx.recipient.address, 1n),
    ]);
    extreme = {
      ...extreme,
      accountGasLimits: packUint128Pair(huge, huge),
      preVerificationGas: huge,
      gasFees: packUint128Pair(huge, huge),
    };
    extreme = await signAgentOp(fx.entryPoint, extreme, fx.agentKey);
    expect(await validateAsEntryPoint(conn, fx, extreme)).to.equal(SIG_VALIDATION_FAILED);
  });

  it("test_validateUserOp_wrongCallDataOrNonceKeyFails", async function () {
    const fx = await loadAgent();
    const op = await buildUserOp(fx.entryPoint, fx.address, BigInt(fx.agentKey.address), [
      pay(fx.recipient.address, 1n),
    ]);
    const sign = (o: typeof op) => signAgentOp(fx.entryPoint, o, fx.agentKey);
    const wallet = new Interface(["function execute(uint256)"]);
    for (const callData of ["0x", "0x12", wallet.encodeFunctionData("execute", [1])]) {
      expect(await validateAsEntryPoint(conn, fx, await sign({ ...op, callData }))).to.equal(
        SIG_VALIDATION_FAILED,
      );
    }
    // A nonce key with bits above the 160-bit address.
    const highKey = ((1n << 160n) | BigInt(fx.agentKey.address)) << 64n;
    expect(await validateAsEntryPoint(conn, fx, await sign({ ...op, nonce: highKey }))).to.equal(
      SIG_VALIDATION_FAILED,
    );
    expect(await validateAsEntryPoint(conn, fx, await sign(op))).to.equal(0n);
  });

  it("test_validateUserOp_paysMissingAccountFunds", async function () {
    const fx = await loadAgent();
    const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
    const hash = await fx.entryPoint.getUserOpHash(op);
    const ep = await asEntryPoint(fx);
    const before = await ethers.provider.getBalance(ep.address);
    const receipt = await (await fx.wallet.connect(ep).validateUserOp(op, hash, 12345n)).wait();
    const gasCost = receipt!.gasUsed * receipt!.gasPrice;
    expect(await ethers.provider.getBalance(ep.address)).to.equal(before - gasCost + 12345n);
    expect(await ethers.provider.getBalance(fx.address)).to.equal(ethers.parseEther("10") - 12345n);
  });

  it("test_validateUserOp_revertsForNonEntryPoint", async function () {
    const fx = await loadAgent();
    const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
    const hash = await fx.entryPoint.getUserOpHash(op);
    for (const caller of [fx.stranger, fx.ownerSigners[0], fx.guardian]) {
      await expect(fx.wallet.connect(caller).validateUserOp(op, hash, 0n))
        .to.be.revertedWithCustomError(fx.wallet, "WalletOnlyEntryPoint")
        .withArgs(caller.address);
      await expect(fx.wallet.connect(caller).executeUserOp(op, hash))
        .to.be.revertedWithCustomError(fx.wallet, "WalletOnlyEntryPoint")
        .withArgs(caller.address);
      // The agent's own entry point (the op's callData, a one-call executeAgentCall) is EntryPoint-only too,
      // and so is the batch form.
      await expect(caller.sendTransaction({ to: fx.address, data: op.callData }))
        .to.be.revertedWithCustomError(fx.wallet, "WalletOnlyEntryPoint")
        .withArgs(caller.address);
      const batch = await agentOp(fx, fx.agentKey, [
        pay(fx.recipient.address, 1n),
        pay(fx.recipient.address, 1n),
      ]);
      await expect(caller.sendTransaction({ to: fx.address, data: batch.callData }))
        .to.be.revertedWithCustomError(fx.wallet, "WalletOnlyEntryPoint")
        .withArgs(caller.address);
    }
  });
});

describe("what an agent can never do", function () {
  const uups = new Interface(["function upgradeToAndCall(address,bytes)"]);

  /** Execution of a validated agent op: the EntryPoint calls the wallet with the op's callData. */
  async function executeAsAgent(fx: WalletFx, calls: ReturnType<typeof pay>[]) {
    const op = await agentOp(fx, fx.agentKey, calls);
    const ep = await asEntryPoint(fx);
    return { tx: ep.sendTransaction({ to: fx.address, data: op.callData }), op };
  }

  it("test_executeAgentCall_agentCallToWalletForbidden", async function () {
    const fx = await loadAgent();
    const v2 = await ethers.deployContract("AgentWalletV2Mock", [
      await fx.entryPoint.getAddress(),
      await fx.module.getAddress(),
    ]);
    const attempts = [
      {
        target: fx.address,
        value: 0n,
        data: uups.encodeFunctionData("upgradeToAndCall", [await v2.getAddress(), "0x"]),
      },
      self(fx, "addOwner", [fx.agentKey.address]),
      self(fx, "unpause", []),
      self(fx, "setAssetLimits", [
        fx.agentKey.address,
        NATIVE,
        { ...defaultLimits(ethers), perTx: 0n },
      ]),
      pay(fx.address, 1n), // even plain value to itself
    ];
    for (const call of attempts) {
      const { tx } = await executeAsAgent(fx, [call]);
      await expect(tx)
        .to.be.revertedWithCustomError(fx.wallet, "PolicyForbiddenTarget")
        .withArgs(fx.agentKey.address, fx.address);
    }
    expect(await fx.wallet.isOwner(fx.agentKey.address)).to.equal(false);
  });

  it("test_handleOps_agentUpgradeAttemptRevertsInsideOp", async function () {
    const fx = await loadAgent();
    const v2 = await ethers.deployContract("AgentWalletV2Mock", [
      await fx.entryPoint.getAddress(),
      await fx.module.getAddress(),
    ]);
    const data = uups.encodeFunctionData("upgradeToAndCall", [await v2.getAddress(), "0x"]);
    const op = await agentOp(fx, fx.agentKey, [{ target: fx.address, value: 0n, data }]);
    const hash = await fx.entryPoint.getUserOpHash(op);
    // The op validates (the agent signed it) but execution refuses it; the EntryPoint logs the reason.
    await expect(fx.entryPoint.handleOps([op], fx.bundler.address))
      .to.emit(fx.entryPoint, "UserOperationRevertReason")
      .withArgs(
        hash,
        fx.address,
        op.nonce,
        errorData("PolicyForbiddenTarget(address,address)", [fx.agentKey.address, fx.address]),
      );
    const slot = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
    const impl = await ethers.provider.getStorage(fx.address, slot);
    expect(ethers.getAddress("0x" + impl.slice(26))).to.equal(await fx.implementation.getAddress());
  });

  it("test_executeAgentCall_agentCallToEntryPointForbidden", async function () {
    const fx = await loadAgent();
    const ep = await fx.entryPoint.getAddress();
    const withdraw = fx.entryPoint.interface.encodeFunctionData("withdrawTo", [
      fx.agentKey.address,
      1n,
    ]);
    for (const call of [{ target: ep, value: 0n, data: withdraw }, pay(ep, 1n)]) {
      const { tx } = await executeAsAgent(fx, [call]);
      await expect(tx)
        .to.be.revertedWithCustomError(fx.wallet, "PolicyForbiddenTarget")
        .withArgs(fx.agentKey.address, ep);
    }
  });

  it("test_executeAgentCalls_forbiddenCallAnywhereInBatchRevertsWholeBatch", async function () {
    const fx = await loadAgent();
    const before = await ethers.provider.getBalance(fx.recipient.address);
    const { tx } = await executeAsAgent(fx, [pay(fx.recipient.address, 1n), self(fx, "pause", [])]);
    await expect(tx).to.be.revertedWithCustomError(fx.wallet, "PolicyForbiddenTarget");
    expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(before);
  });

  it("test_allowRecipient_refusesWalletAndEntryPoint", async function () {
    const fx = await loadAgent();
    const a = fx.agentKey.address;
    for (const r of [fx.address, await fx.entryPoint.getAddress()]) {
      for (const call of [
        self(fx, "allowRecipient", [a, r]),
        self(fx, "setCallPermission", [a, r, "0x12345678", 0, 0]),
      ]) {
        await expect(applyLoosening(conn, fx, [call]))
          .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
          .withArgs(0n, errorData("PolicyForbiddenTarget(address,address)", [a, r]));
      }
    }
  });

  it("test_isValidSignature_agentCanNeverSign", async function () {
    const fx = await loadAgent();
    const hash = ethers.id("agent wants to sign a permit");
    const safe = await fx.wallet.replaySafeHash(hash);
    for (const digest of [hash, safe]) {
      expect(await fx.wallet.isValidSignature(hash, signDigest(fx.agentKey, digest))).to.equal(
        "0xffffffff",
      );
    }
  });
});
