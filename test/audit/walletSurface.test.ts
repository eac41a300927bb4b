/**
 * Functions and failure paths of the wallet that no other test reached (found by the ABI coverage check and the
 * audit's coverage report): public constants and EIP-712 domain, `module()`, the factory's `implementation()`,
 * call-permission revocation, the UTC offset, the refusals of the tighten/remove functions for things that
 * aren't configured, and an escalated payment executed after its key expired.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress, ZeroHash, id, parseEther } from "ethers";
import { AgentWallet__factory } from "../../typechain-types/index.js";
import {
  type Connection,
  NATIVE,
  type PolicyWorld,
  addAgent,
  agentOp,
  decodeError,
  deployPolicyWorld,
  expectOpError,
  expectSuccess,
  isolatedFixture,
  limits,
  nativePay,
  ownersRun,
  ownersSignedTx,
  ownersSubmit,
  parseWalletLogs,
  selfCall,
  spentOf,
  utc,
} from "../helpers/policy.js";
import { walletFixture } from "../helpers/wallet.js";
import type { Conn } from "../helpers/wallet.js";

const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;
const loadWallet = () => networkHelpers.loadFixture(walletFixture);

const HOUR = 3600n;
const DAY = 86400n;
const T = utc(2030, 7, 2, 10);
const sel = (sig: string) => id(sig).slice(0, 10);

const policyFixture = isolatedFixture(async function surfacePolicyFixture(c: Connection) {
  const world = await deployPolicyWorld(c);
  const payable = await world.ethers.deployContract("MockPayable");
  const target = await payable.getAddress();
  const [a, b] = world.agents;
  const r0 = world.recipients[0];
  await addAgent(world, a.address, {
    assets: [[NATIVE, limits({ perTx: 1_000n, approvalAbove: 100n, daily: 5_000n })]],
    recipients: [r0],
    permissions: [{ target, selector: sel("ping()") }],
  });
  // Agent b's key expires one day after T: its escalations must not outlive it.
  await addAgent(world, b.address, {
    validUntil: Number(T + DAY),
    assets: [[NATIVE, limits({ perTx: 1_000n, approvalAbove: 100n, daily: 5_000n })]],
    recipients: [r0],
  });
  for (const o of world.owners) await world.networkHelpers.setBalance(o.address, parseEther("1"));
  return { world, target, a, b, r0 };
});

/** The inner error of a `WalletCallFailed(index, reason)` revert of an owners' batch. */
async function innerError(tx: Promise<unknown>) {
  try {
    await tx;
  } catch (error) {
    const data = (error as { data?: string }).data;
    const outer = decodeError(data);
    expect(outer?.name, `outer error ${data}`).to.equal("WalletCallFailed");
    return decodeError(outer!.args[1] as string);
  }
  expect.fail("the owners' batch should have reverted");
}

/** Queues a loosening batch, waits out its delay and returns the (not yet awaited) execute transaction. */
async function queuedExecute(world: PolicyWorld, calls: ReturnType<typeof selfCall>[]) {
  const queued = await ownersSubmit(world, calls);
  expect(queued, "a loosening batch is queued").to.not.equal(undefined);
  await world.networkHelpers.time.increaseTo(queued!.eta);
  return world.wallet.execute(queued!.id);
}

describe("Wallet surface the other suites did not reach", function () {
  describe("constants, EIP-712 domain, module and factory", function () {
    it("test_constants_matchTheDelaysAndLifetimesTheWalletEnforces", async function () {
      const fx = await loadWallet();
      const coreWallet = AgentWallet__factory.connect(fx.address, ethers.provider);
      expect(await coreWallet.DEFAULT_ADMIN_DELAY()).to.equal(24n * HOUR);
      expect(await coreWallet.DEFAULT_UPGRADE_DELAY()).to.equal(7n * DAY);
      expect(await coreWallet.MIN_ADMIN_DELAY()).to.equal(HOUR);
      expect(await coreWallet.MIN_UPGRADE_DELAY()).to.equal(DAY);
      expect(await coreWallet.MAX_DELAY()).to.equal(30n * DAY);
      expect(await coreWallet.GRACE_PERIOD()).to.equal(14n * DAY);
      expect(await coreWallet.MAX_PROPOSAL_LIFETIME()).to.equal(90n * DAY);
      expect(await coreWallet.ESCALATION_LIFETIME()).to.equal(7n * DAY);
      expect(await coreWallet.UPGRADE_INTERFACE_VERSION()).to.equal("5.0.0");
      // The defaults are what a new wallet runs with, and the bounds are the ones its checks report.
      expect(await fx.wallet.adminDelay()).to.equal(await coreWallet.DEFAULT_ADMIN_DELAY());
      expect(await fx.wallet.upgradeDelay()).to.equal(await coreWallet.DEFAULT_UPGRADE_DELAY());
      const now = BigInt(await networkHelpers.time.latest());
      const tooLate = now + (await coreWallet.MAX_PROPOSAL_LIFETIME()) + 10n;
      await expect(
        fx.wallet
          .connect(fx.ownerSigners[0])
          .propose([{ target: fx.recipient.address, value: 0n, data: "0x" }], tooLate),
      )
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidExpiry")
        .withArgs(tooLate, (await networkHelpers.time.latest()) + 1 + Number(90n * DAY));
    });

    it("test_eip712Domain_isBoundToTheProxyAndChain", async function () {
      const fx = await loadWallet();
      const { chainId } = await ethers.provider.getNetwork();
      const coreWallet = AgentWallet__factory.connect(fx.address, ethers.provider);
      const domain = await coreWallet.eip712Domain();
      expect(domain.fields).to.equal("0x0f");
      expect(domain.name).to.equal("Leash AgentWallet");
      expect(domain.version).to.equal("1");
      expect(domain.chainId).to.equal(chainId);
      // The proxy, not the implementation: signatures for one wallet never verify on another.
      expect(domain.verifyingContract).to.equal(fx.address);
      expect(domain.salt).to.equal(ZeroHash);
      expect(domain.extensions).to.deep.equal([]);
      const impl = AgentWallet__factory.connect(
        await fx.implementation.getAddress(),
        ethers.provider,
      );
      expect((await impl.eip712Domain()).verifyingContract).to.equal(
        await fx.implementation.getAddress(),
      );
    });

    it("test_module_isTheWalletModule_andFactoryImplementationIsTheCore", async function () {
      const fx = await loadWallet();
      expect(await fx.wallet.module()).to.equal(await fx.module.getAddress());
      expect(await fx.factory.implementation()).to.equal(await fx.implementation.getAddress());
      const slot = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
      const stored = await ethers.provider.getStorage(fx.address, slot);
      expect(ethers.getAddress("0x" + stored.slice(26))).to.equal(
        await fx.factory.implementation(),
      );
    });
  });

  describe("call permissions and the UTC offset", function () {
    it("test_revokeCallPermission_immediate_thenCallRefused_andGetCallPermissionShowsIt", async function () {
      const { world, target, a } = await policyFixture();
      const ping = { target, value: 0n, data: sel("ping()") };
      expect(await world.wallet.getCallPermission(a.address, target, sel("ping()"))).to.deep.equal([
        true,
        0n,
        0n,
      ]);
      expectSuccess(await agentOp(world, a, [ping], { at: T }));

      // A tightening: runs as soon as the owners sign, without the timelock.
      const revoke = selfCall(world, "revokeCallPermission", [a.address, target, sel("ping()")]);
      const receipt = await (await ownersSignedTx(world, [revoke])).wait();
      const changed = parseWalletLogs(world, receipt!).find(
        (l) => l.name === "CallPermissionChanged",
      );
      expect(changed?.args.toArray(true).slice(0, 3)).to.deep.equal([
        a.address,
        target,
        sel("ping()"),
      ]);
      expect(await world.wallet.getCallPermission(a.address, target, sel("ping()"))).to.deep.equal([
        false,
        0n,
        0n,
      ]);
      expectOpError(await agentOp(world, a, [ping]), "PolicyCallNotAllowed", [
        a.address,
        target,
        sel("ping()"),
      ]);
      // Revoking what isn't there is refused, naming the missing permission.
      const again = await innerError(ownersSignedTx(world, [revoke]));
      expect(again?.name).to.equal("PolicyCallNotAllowed");
    });

    it("test_setCallPermission_forbiddenTargets_refusedEvenForOwners", async function () {
      const { world, a } = await policyFixture();
      const ep = await world.entryPoint.getAddress();
      for (const forbidden of [world.address, ep, ZeroAddress]) {
        const call = selfCall(world, "setCallPermission", [
          a.address,
          forbidden,
          "0x12345678",
          0,
          0,
        ]);
        const inner = await innerError(queuedExecute(world, [call]));
        expect(inner?.name, forbidden).to.equal("PolicyForbiddenTarget");
        expect(inner?.args[1], forbidden).to.equal(forbidden);
      }
    });

    it("test_setCallPermission_expiringBeforeTheTimelockEnds_refusedAtExecution", async function () {
      const { world, target, a } = await policyFixture();
      // Proposed with an expiry inside the admin delay: by the time it may execute it has expired.
      const now = BigInt(await world.networkHelpers.time.latest());
      const expiresAt = now + 3600n;
      const call = selfCall(world, "setCallPermission", [
        a.address,
        target,
        sel("pong()"),
        0,
        expiresAt,
      ]);
      const inner = await innerError(queuedExecute(world, [call]));
      expect(inner?.name).to.equal("PolicyCallPermissionExpired");
      expect(inner?.args.toArray().map(String)).to.deep.equal(
        [a.address, target, sel("pong()"), expiresAt].map(String),
      );
      expect(
        (await world.wallet.getCallPermission(a.address, target, sel("pong()"))).allowed,
      ).to.equal(false);
    });

    it("test_setUtcOffset_timelocked_boundedAndLogged", async function () {
      const { world } = await policyFixture();
      const call = selfCall(world, "setUtcOffset", [3600]);
      // Shifting the calendar can reopen a day's cap: a loosening, whatever the direction.
      expect(await world.wallet.requiredDelay.staticCall([call])).to.equal(
        await world.wallet.adminDelay(),
      );
      const queued = await ownersSubmit(world, [call]);
      expect(queued).to.not.equal(undefined);
      await expect(world.wallet.execute(queued!.id)).to.be.revertedWithCustomError(
        world.wallet,
        "ProposalNotReady",
      );
      await world.networkHelpers.time.increaseTo(queued!.eta);
      await expect(world.wallet.execute(queued!.id))
        .to.emit(world.wallet, "UtcOffsetChanged")
        .withArgs(0n, 3600n);
      expect(await world.wallet.utcOffset()).to.equal(3600n);
      for (const bad of [14 * 3600 + 1, -(14 * 3600 + 1)]) {
        const inner = await innerError(
          queuedExecute(world, [selfCall(world, "setUtcOffset", [bad])]),
        );
        expect(inner?.name).to.equal("PolicyInvalidUtcOffset");
        expect(inner?.args[0]).to.equal(BigInt(bad));
      }
      // The edges are accepted.
      await ownersRun(world, [selfCall(world, "setUtcOffset", [-14 * 3600])]);
      expect(await world.wallet.utcOffset()).to.equal(BigInt(-14 * 3600));
    });
  });

  describe("remove functions refuse what isn't configured", function () {
    it("test_remove_unconfiguredAssetOrRecipient_refusedWithTheMissingItem", async function () {
      const { world, a } = await policyFixture();
      const token = world.recipients[3]; // any address the agent has no limits for
      const cases: [ReturnType<typeof selfCall>, string, unknown[]][] = [
        [
          selfCall(world, "removeAssetLimits", [a.address, token]),
          "PolicyAssetNotAllowed",
          [a.address, token],
        ],
        [
          selfCall(world, "removeRecipient", [a.address, world.recipients[2]]),
          "PolicyRecipientNotAllowed",
          [a.address, world.recipients[2]],
        ],
      ];
      for (const [call, name, args] of cases) {
        // The owners' batch is tried at once: it reverts there, nothing is queued.
        const inner = await innerError(ownersSignedTx(world, [call]));
        expect(inner?.name).to.equal(name);
        expect(inner?.args.toArray().map(String)).to.deep.equal(args.map(String));
      }
      // Limits for an asset the agent doesn't have yet are a new place to spend: not refused, but they wait.
      const newAsset = selfCall(world, "setAssetLimits", [a.address, token, limits({ perTx: 1n })]);
      expect(await world.wallet.requiredDelay.staticCall([newAsset])).to.equal(
        await world.wallet.adminDelay(),
      );
    });

    it("test_setAssetLimits_unknownOrRevokedAgent_refused", async function () {
      const { world, a } = await policyFixture();
      const stranger = world.recipients[3];
      const unknown = await innerError(
        queuedExecute(world, [
          selfCall(world, "setAssetLimits", [stranger, NATIVE, limits({ perTx: 1n })]),
        ]),
      );
      expect(unknown?.name).to.equal("AgentNotFound");
      expect(unknown?.args[0]).to.equal(stranger);
      await (await world.wallet.connect(world.guardian).revokeAgent(a.address)).wait();
      const revoked = await innerError(
        queuedExecute(world, [selfCall(world, "allowRecipient", [a.address, world.recipients[1]])]),
      );
      expect(revoked?.name).to.equal("AgentInvalidStatus");
      expect(revoked?.args[1]).to.equal(3n); // Revoked
    });
  });

  describe("guardians", function () {
    it("test_removeGuardian_notFirstInTheList_keepsTheOthersInOrder", async function () {
      const { world } = await policyFixture();
      const [g2, g3] = [world.recipients[2], world.recipients[3]];
      await ownersRun(world, [
        selfCall(world, "addGuardian", [g2]),
        selfCall(world, "addGuardian", [g3]),
      ]);
      expect(await world.wallet.getGuardians()).to.deep.equal([world.guardian.address, g2, g3]);
      // The last one: the removal loop passes over the others first.
      await ownersRun(world, [selfCall(world, "removeGuardian", [g3])]);
      expect(await world.wallet.getGuardians()).to.deep.equal([world.guardian.address, g2]);
      expect(await world.wallet.isGuardian(g3)).to.equal(false);
      // The middle one: the last takes its place.
      await ownersRun(world, [selfCall(world, "addGuardian", [g3])]);
      await ownersRun(world, [selfCall(world, "removeGuardian", [g2])]);
      expect(await world.wallet.getGuardians()).to.deep.equal([world.guardian.address, g3]);
    });
  });

  describe("escalations", function () {
    it("test_escalation_executedAfterTheKeyExpired_refused", async function () {
      const { world, b, r0 } = await policyFixture();
      const res = await agentOp(world, b, [nativePay(r0, 500n)], { at: T });
      expect(res.success).to.equal(true);
      const requested = res.walletEvents.find((e) => e.name === "ApprovalRequested");
      const pid = requested!.args[0] as bigint;
      // The key expires at T + 1 day; the owners approve two days later, inside the escalation's lifetime.
      await world.networkHelpers.time.increaseTo(T + 2n * DAY);
      const asOwner = (i: number) =>
        world.wallet.connect(world.owners[i].connect(world.ethers.provider));
      await (await asOwner(0).approve(pid)).wait();
      await (await asOwner(1).approve(pid)).wait();
      const before = await world.ethers.provider.getBalance(r0);
      await expect(world.wallet.execute(pid))
        .to.be.revertedWithCustomError(world.wallet, "AgentInvalidValidity")
        .withArgs(0n, T + DAY);
      expect(await world.ethers.provider.getBalance(r0)).to.equal(before);
      expect(await spentOf(world, b.address, NATIVE)).to.deep.equal([0n, 0n, 0n]);
    });

    it("test_escalation_batchWithAZeroAmountCall_requestsApprovalOnlyForTheLargeOne", async function () {
      const { world, a, r0 } = await policyFixture();
      const res = await agentOp(world, a, [nativePay(r0, 0n), nativePay(r0, 500n)], { at: T });
      expect(res.success).to.equal(true);
      const requested = res.walletEvents.filter((e) => e.name === "ApprovalRequested");
      expect(requested.length).to.equal(1);
      expect(requested[0].args.toArray(true).slice(1)).to.deep.equal([a.address, NATIVE, 500n, r0]);
      const pid = requested[0].args[0] as bigint;
      expect((await world.wallet.getProposalCalls(pid)).length).to.equal(2);
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([0n, 0n, 0n]);
    });
  });
});
