import { expect } from "chai";
import { network } from "hardhat";
import { Interface } from "ethers";
import { IAgentWallet__factory } from "../../typechain-types/index.js";
import {
  ADMIN_DELAY,
  ProposalState,
  UPGRADE_DELAY,
  agentFixture,
  defaultLimits,
  defaultRules,
  errorData,
  latest,
  queuedFrom,
  self,
  signedExec,
  walletFixture,
} from "../helpers/wallet.js";
import type { Conn, WalletFx } from "../helpers/wallet.js";

const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;
const load = () => networkHelpers.loadFixture(walletFixture);
const loadAgent = () => networkHelpers.loadFixture(agentFixture);

const uups = new Interface([
  "function upgradeToAndCall(address newImplementation, bytes data)",
  "function proxiableUUID() view returns (bytes32)",
]);
const v2Iface = new Interface(["function initializeV2(uint256 marker)"]);
const DAY = 86400n;
const HOUR = 3600n;
const MAX_DELAY = 30n * DAY;

function upgradeCall(fx: WalletFx, impl: string, data = "0x") {
  return {
    target: fx.address,
    value: 0n,
    data: uups.encodeFunctionData("upgradeToAndCall", [impl, data]),
  };
}

/** Signs, queues, waits and executes; returns the execute transaction promise. */
async function queueAndWait(fx: WalletFx, calls: ReturnType<typeof self>[]) {
  const { id: pid, eta } = await queuedFrom(fx, await signedExec(conn, fx, calls));
  await networkHelpers.time.increaseTo(eta);
  return pid;
}

describe("Timelock", function () {
  describe("requiredDelay", function () {
    /** The delay one call would wait if the owners submitted it now (a dry run, nothing changes). */
    const delayOf = (fx: WalletFx, c: ReturnType<typeof self>) =>
      fx.wallet.requiredDelay.staticCall([c]);

    it("test_requiredDelay_tighteningChangesAreInstant", async function () {
      const fx = await loadAgent();
      const a = fx.agentKey.address;
      const rules = defaultRules(ethers);
      const limits = defaultLimits(ethers);
      const tightening: [string, unknown[]][] = [
        ["pause", []],
        ["suspendAgent", [a]],
        ["revokeAgent", [a]],
        ["setAgentRules", [a, 0, 0, rules]], // no change
        ["setAgentRules", [a, 1, 0, rules]], // starts later
        ["setAgentRules", [a, 0, 0, { ...rules, maxOpCost: rules.maxOpCost - 1n }]],
        ["setAgentRules", [a, 0, 0, { ...rules, maxOpsPerDay: 5 }]],
        ["setAgentRules", [a, 0, 0, { ...rules, allowedDays: 1 }]],
        ["setAssetLimits", [a, ethers.ZeroAddress, { ...limits, daily: limits.daily / 2n }]],
        ["setAssetLimits", [a, ethers.ZeroAddress, { ...limits, approvalAbove: 1n }]],
        ["removeAssetLimits", [a, ethers.ZeroAddress]],
        ["setWalletCaps", [ethers.ZeroAddress, 1, 1, 1]],
        ["removeRecipient", [a, fx.recipient.address]],
        ["allowRecipient", [a, fx.recipient.address]], // already allowed: no change
        ["invalidateNonce", [1]],
        ["withdrawDepositTo", [fx.recipient.address, 1]],
        ["changeThreshold", [3]],
        ["setMinPauseDuration", [7200]],
        ["setDelays", [ADMIN_DELAY * 2n, UPGRADE_DELAY * 2n]],
      ];
      const { id: pending } = await queuedFrom(
        fx,
        await signedExec(conn, fx, [self(fx, "addGuardian", [fx.stranger.address])]),
      );
      tightening.push(["cancel", [pending]]); // a veto must beat the timelock it vetoes
      for (const [fn, args] of tightening) {
        expect(await delayOf(fx, self(fx, fn, args)), `${fn}(${String(args)})`).to.equal(0n);
      }
    });

    it("test_requiredDelay_looseningChangesWaitAdminDelay", async function () {
      const fx = await loadAgent();
      const a = fx.agentKey.address;
      const rules = defaultRules(ethers);
      const limits = defaultLimits(ethers);
      const loosening: [string, unknown[]][] = [
        ["addOwner", [fx.stranger.address]],
        ["removeOwner", [fx.owners[0].address]],
        ["changeThreshold", [1]],
        ["addGuardian", [fx.stranger.address]],
        ["removeGuardian", [fx.guardian.address]],
        ["setMinPauseDuration", [0]],
        ["addAgent", [fx.agentKey2.address, 0, 0, rules]],
        ["rotateAgentKey", [a, fx.agentKey2.address]],
        ["setAgentRules", [a, 0, 0, { ...rules, maxOpCost: rules.maxOpCost + 1n }]],
        ["setAgentRules", [a, 0, 0, { ...rules, allowedHours: 0xffffff, maxOpCost: 1n << 90n }]],
        ["setAssetLimits", [a, ethers.ZeroAddress, { ...limits, perTx: 0n }]], // lifts a cap
        ["setAssetLimits", [a, ethers.ZeroAddress, { ...limits, monthly: limits.monthly * 2n }]],
        ["setAssetLimits", [a, fx.recipient.address, limits]], // a new asset
        ["allowRecipient", [a, fx.outsider.address]],
        ["setCallPermission", [a, fx.recipient.address, "0x12345678", 0, 0]],
        ["setUtcOffset", [3600]],
      ];
      for (const [fn, args] of loosening) {
        expect(await delayOf(fx, self(fx, fn, args)), `${fn}(${String(args)})`).to.equal(
          ADMIN_DELAY,
        );
      }
    });

    it("test_requiredDelay_upgradeAndLoweringDelaysWaitUpgradeDelay", async function () {
      const fx = await load();
      expect(await delayOf(fx, upgradeCall(fx, fx.recipient.address))).to.equal(UPGRADE_DELAY);
      for (const [admin, upgrade] of [
        [HOUR, UPGRADE_DELAY],
        [ADMIN_DELAY, DAY],
        [HOUR, DAY],
        [ADMIN_DELAY * 2n, DAY * 2n], // one up, one down: still a lowering
      ]) {
        expect(await delayOf(fx, self(fx, "setDelays", [admin, upgrade]))).to.equal(UPGRADE_DELAY);
      }
    });

    it("test_requiredDelay_callsToOtherContractsAreInstant", async function () {
      const fx = await load();
      const addOwnerData = self(fx, "addOwner", [fx.stranger.address]).data;
      for (const target of [
        fx.recipient.address,
        await fx.entryPoint.getAddress(),
        await fx.implementation.getAddress(),
      ]) {
        expect(await delayOf(fx, { target, value: 0n, data: addOwnerData })).to.equal(0n);
        expect(
          await delayOf(fx, {
            target,
            value: 0n,
            data: uups.encodeFunctionData("upgradeToAndCall", [target, "0x"]),
          }),
        ).to.equal(0n);
      }
    });

    it("test_requiredDelay_unknownOrFailingSelfCallsAreNotInstant", async function () {
      const fx = await load();
      // Deny by default: what can't run now is never instant (the eta is a lower bound, see execute).
      for (const data of ["0xdeadbeef", "0x1234", "0x8456cb"]) {
        expect(await delayOf(fx, { target: fx.address, value: 0n, data }), data).to.equal(
          ADMIN_DELAY,
        );
        await expect(
          signedExec(conn, fx, [{ target: fx.address, value: 0n, data }]),
        ).to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed");
      }
      // The try itself is the wallet's alone.
      await expect(fx.wallet.connect(fx.stranger).tryCalls([self(fx, "pause", [])], true))
        .to.be.revertedWithCustomError(fx.wallet, "WalletOnlySelf")
        .withArgs(fx.stranger.address);
    });

    it("test_requiredDelay_batchTakesLongestDelay", async function () {
      const fx = await load();
      const tx = await signedExec(conn, fx, [
        self(fx, "pause", []),
        self(fx, "addGuardian", [fx.stranger.address]),
        self(fx, "setDelays", [2n * HOUR, 2n * DAY]),
      ]);
      const { eta } = await queuedFrom(fx, tx);
      const at = BigInt((await tx.getBlock())!.timestamp);
      expect(eta).to.equal(at + UPGRADE_DELAY);
      expect((await fx.wallet.getProposal(1n))[5]).to.equal(UPGRADE_DELAY);
      // The whole batch waits: the pause in it didn't happen either.
      expect(await fx.wallet.paused()).to.equal(false);
    });
  });

  describe("setDelays", function () {
    it("test_setDelays_revertsWhenCalledDirectly", async function () {
      const fx = await load();
      await expect(fx.wallet.connect(fx.ownerSigners[0]).setDelays(HOUR, DAY))
        .to.be.revertedWithCustomError(fx.wallet, "WalletOnlySelf")
        .withArgs(fx.owners[0].address);
    });

    it("test_setDelays_toFloorsAfterUpgradeDelay", async function () {
      const fx = await load();
      expect(await fx.wallet.adminDelay()).to.equal(ADMIN_DELAY);
      expect(await fx.wallet.upgradeDelay()).to.equal(UPGRADE_DELAY);
      const tx = await signedExec(conn, fx, [self(fx, "setDelays", [HOUR, DAY])]);
      const { id: pid, eta } = await queuedFrom(fx, tx);
      await networkHelpers.time.setNextBlockTimestamp(eta - 1n);
      await expect(fx.wallet.execute(pid)).to.be.revertedWithCustomError(
        fx.wallet,
        "ProposalNotReady",
      );
      await networkHelpers.time.setNextBlockTimestamp(eta);
      await expect(fx.wallet.execute(pid))
        .to.emit(fx.wallet, "DelaysChanged")
        .withArgs(ADMIN_DELAY, HOUR, UPGRADE_DELAY, DAY);
      expect(await fx.wallet.adminDelay()).to.equal(HOUR);
      expect(await fx.wallet.upgradeDelay()).to.equal(DAY);
      // New delays apply to what is proposed next.
      const c = self(fx, "addGuardian", [fx.stranger.address]);
      expect(await fx.wallet.requiredDelay.staticCall([c])).to.equal(HOUR);
    });

    it("test_setDelays_toMaximumAccepted", async function () {
      const fx = await load();
      // Raising both delays is a tightening: instant.
      await (await signedExec(conn, fx, [self(fx, "setDelays", [MAX_DELAY, MAX_DELAY])])).wait();
      expect(await fx.wallet.adminDelay()).to.equal(MAX_DELAY);
      expect(await fx.wallet.upgradeDelay()).to.equal(MAX_DELAY);
    });

    it("test_setDelays_revertsOutsideFloorsAndMax", async function () {
      const fx = await load();
      const cases: [bigint, bigint, string][] = [
        [
          HOUR - 1n,
          DAY,
          errorData("TimelockInvalidDelay(uint256,uint256,uint256)", [HOUR - 1n, HOUR, MAX_DELAY]),
        ],
        [
          MAX_DELAY + 1n,
          DAY,
          errorData("TimelockInvalidDelay(uint256,uint256,uint256)", [
            MAX_DELAY + 1n,
            HOUR,
            MAX_DELAY,
          ]),
        ],
        [
          HOUR,
          DAY - 1n,
          errorData("TimelockInvalidDelay(uint256,uint256,uint256)", [DAY - 1n, DAY, MAX_DELAY]),
        ],
        [
          HOUR,
          MAX_DELAY + 1n,
          errorData("TimelockInvalidDelay(uint256,uint256,uint256)", [
            MAX_DELAY + 1n,
            DAY,
            MAX_DELAY,
          ]),
        ],
        [0n, 0n, errorData("TimelockInvalidDelay(uint256,uint256,uint256)", [0n, HOUR, MAX_DELAY])],
      ];
      for (const [admin, upgrade, error] of cases) {
        // The try runs the setter when the owners submit: an invalid value fails there.
        await expect(signedExec(conn, fx, [self(fx, "setDelays", [admin, upgrade])]))
          .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
          .withArgs(0n, error);
      }
      expect(await fx.wallet.adminDelay()).to.equal(ADMIN_DELAY);
      expect(await fx.wallet.upgradeDelay()).to.equal(UPGRADE_DELAY);
    });
  });

  describe("upgrades", function () {
    async function deployV2(fx: WalletFx) {
      return ethers.deployContract("AgentWalletV2Mock", [
        await fx.entryPoint.getAddress(),
        await fx.module.getAddress(),
      ]);
    }

    it("test_upgradeToAndCall_revertsWhenCalledDirectly", async function () {
      const fx = await load();
      const v2 = await deployV2(fx);
      const asUups = new ethers.Contract(fx.address, uups, fx.ownerSigners[0]);
      await expect(asUups.upgradeToAndCall(await v2.getAddress(), "0x"))
        .to.be.revertedWithCustomError(fx.wallet, "WalletOnlySelf")
        .withArgs(fx.owners[0].address);
    });

    it("test_upgradeToAndCall_throughProposalAfterUpgradeDelay", async function () {
      const fx = await load();
      const v2 = await deployV2(fx);
      const v2Address = await v2.getAddress();
      const call = upgradeCall(fx, v2Address, v2Iface.encodeFunctionData("initializeV2", [42]));
      const expiresAt = (await latest(conn)) + 86400n;
      await (await fx.wallet.connect(fx.ownerSigners[0]).propose([call], expiresAt)).wait();
      const approveTx = await fx.wallet.connect(fx.ownerSigners[1]).approve(1n);
      const approvedAt = BigInt((await approveTx.getBlock())!.timestamp);
      const [state, , , , eta, delay] = await fx.wallet.getProposal(1n);
      expect(state).to.equal(ProposalState.Queued);
      expect(delay).to.equal(UPGRADE_DELAY);
      expect(eta).to.equal(approvedAt + UPGRADE_DELAY);
      // One second early: refused.
      await networkHelpers.time.setNextBlockTimestamp(eta - 1n);
      await expect(fx.wallet.execute(1n))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalNotReady")
        .withArgs(1n, eta);
      await networkHelpers.time.setNextBlockTimestamp(eta);
      await expect(fx.wallet.execute(1n))
        .to.emit(v2.attach(fx.address), "Upgraded")
        .withArgs(v2Address);
      const upgraded = v2.attach(fx.address) as typeof v2;
      expect(await upgraded.version()).to.equal(2n);
      expect(await upgraded.marker()).to.equal(42n);
      // State survived the upgrade.
      expect(await fx.wallet.getOwners()).to.deep.equal(fx.owners.map((o) => o.address));
      expect(await fx.wallet.threshold()).to.equal(2n);
      expect(await fx.wallet.isGuardian(fx.guardian.address)).to.equal(true);
      expect(await fx.wallet.adminDelay()).to.equal(ADMIN_DELAY);
      expect((await fx.wallet.getProposal(1n))[0]).to.equal(ProposalState.Executed);
      // The reinitializer can't run twice.
      await expect(upgraded.initializeV2(7)).to.be.revertedWithCustomError(
        upgraded,
        "InvalidInitialization",
      );
    });

    it("test_upgradeToAndCall_signedBatchIsQueuedForUpgradeDelay", async function () {
      const fx = await load();
      const v2 = await deployV2(fx);
      const tx = await signedExec(conn, fx, [upgradeCall(fx, await v2.getAddress())]);
      const { eta } = await queuedFrom(fx, tx);
      expect(eta).to.equal(BigInt((await tx.getBlock())!.timestamp) + UPGRADE_DELAY);
      // A guardian vetoes it during the delay.
      await expect(fx.wallet.connect(fx.guardian).cancel(1n)).to.emit(
        fx.wallet,
        "ProposalCancelled",
      );
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(1n)).to.be.revertedWithCustomError(
        fx.wallet,
        "ProposalInvalidState",
      );
    });

    it("test_upgradeToAndCall_revertsOnNonUupsImplementation", async function () {
      const fx = await load();
      const notUups = fx.factory.target as string;
      const pid = await queueAndWait(fx, [upgradeCall(fx, notUups)]);
      await expect(fx.wallet.execute(pid))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("ERC1967InvalidImplementation(address)", [notUups]));
    });

    it("test_upgradeToAndCall_revertsOnImplementationItself", async function () {
      const fx = await load();
      const v2 = await deployV2(fx);
      const impl = new ethers.Contract(await fx.implementation.getAddress(), uups, fx.stranger);
      await expect(
        impl.upgradeToAndCall(await v2.getAddress(), "0x"),
      ).to.be.revertedWithCustomError(fx.implementation, "UUPSUnauthorizedCallContext");
      const implWallet = IAgentWallet__factory.connect(
        await fx.implementation.getAddress(),
        fx.stranger,
      );
      await expect(
        implWallet.initialize({ ...fx.config, owners: [fx.stranger.address], threshold: 1 }, []),
      ).to.be.revertedWithCustomError(fx.implementation, "InvalidInitialization");
    });

    it("test_proxiableUUID_onlyOnImplementation", async function () {
      const fx = await load();
      const slot = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
      const impl = new ethers.Contract(await fx.implementation.getAddress(), uups, ethers.provider);
      expect(await impl.proxiableUUID()).to.equal(slot);
      const viaProxy = new ethers.Contract(fx.address, uups, ethers.provider);
      await expect(viaProxy.proxiableUUID()).to.be.revertedWithCustomError(
        fx.implementation,
        "UUPSUnauthorizedCallContext",
      );
      // The proxy points at the implementation.
      const stored = await ethers.provider.getStorage(fx.address, slot);
      expect(ethers.getAddress("0x" + stored.slice(26))).to.equal(
        await fx.implementation.getAddress(),
      );
    });
  });
});
