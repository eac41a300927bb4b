import { expect } from "chai";
import { network } from "hardhat";
import {
  ALL_DAYS,
  ALL_HOURS,
  NATIVE,
  agentNonceKey,
  buildUserOp,
  createWallet,
  deployLeash,
  encodeSelfCall,
  signAgentOp,
  signOwnerOp,
  testWallets,
} from "../helpers/fixtures.js";

describe("AgentWallet user-op round trip through the real EntryPoint", function () {
  it("test_handleOps_agentPaysAllowlistedRecipient_andOwnersRunAnOp", async function () {
    const { ethers } = await network.create();
    const { entryPoint, factory } = await deployLeash(ethers);
    const [o1, o2, o3, agentKey, recipient] = testWallets(5);
    const [bundler] = await ethers.getSigners();
    const rules = {
      maxOpCost: ethers.parseEther("0.1"),
      maxOpsPerHour: 10,
      maxOpsPerDay: 100,
      minSecondsBetweenOps: 0,
      allowedHours: ALL_HOURS,
      allowedDays: ALL_DAYS,
      gasPerDay: ethers.parseEther("1"),
    };
    const limits = {
      perTx: ethers.parseEther("1"),
      approvalAbove: ethers.parseEther("0.5"),
      daily: ethers.parseEther("2"),
      weekly: ethers.parseEther("5"),
      monthly: ethers.parseEther("10"),
    };
    const { wallet, address } = await createWallet(ethers, factory, entryPoint, {
      owners: [o1, o2, o3],
      threshold: 2,
    });
    // Owners configure the agent with a 2-of-3 owner user operation (loosening: queued behind the timelock).
    const setup = [
      encodeSelfCall("addAgent", [agentKey.address, 0, 0, rules], address),
      encodeSelfCall("setAssetLimits", [agentKey.address, NATIVE, limits], address),
      encodeSelfCall("allowRecipient", [agentKey.address, recipient.address], address),
    ];
    let op = await buildUserOp(entryPoint, address, 0n, setup, {
      verification: 500_000n,
      call: 2_000_000n,
    });
    op = await signOwnerOp(entryPoint, op, [o1, o2]);
    await (await entryPoint.handleOps([op], bundler.address)).wait();
    expect(await wallet.proposalCount()).to.equal(1n);
    const [state, , , , eta] = await wallet.getProposal(1n);
    expect(state).to.equal(2n); // Queued
    await ethers.provider.send("evm_setNextBlockTimestamp", [Number(eta)]);
    // Owners need no ETH: they execute the queued proposal with another owner user operation.
    let executeOp = await buildUserOp(
      entryPoint,
      address,
      0n,
      [encodeSelfCall("execute", [1n], address)],
      {
        verification: 500_000n,
        call: 2_000_000n,
      },
    );
    executeOp = await signOwnerOp(entryPoint, executeOp, [o2, o3]);
    await (await entryPoint.handleOps([executeOp], bundler.address)).wait();
    expect((await wallet.getProposal(1n))[0]).to.equal(3n); // Executed
    expect((await wallet.getAgent(agentKey.address))[1]).to.equal(1n); // Active

    // The agent pays 0.3 ETH: within limits, executes.
    let agentOp = await buildUserOp(entryPoint, address, agentNonceKey(agentKey.address), [
      { target: recipient.address, value: ethers.parseEther("0.3"), data: "0x" },
    ]);
    agentOp = await signAgentOp(entryPoint, agentOp, agentKey);
    const before = await ethers.provider.getBalance(recipient.address);
    const receipt = await (await entryPoint.handleOps([agentOp], bundler.address)).wait();
    expect(await ethers.provider.getBalance(recipient.address)).to.equal(
      before + ethers.parseEther("0.3"),
    );
    console.log("      agent native op gasUsed", receipt!.gasUsed.toString());
    const [, daily] = await wallet.spent(agentKey.address, NATIVE);
    expect(daily).to.equal(ethers.parseEther("0.3"));
  });
});
