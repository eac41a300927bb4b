/**
 * Issue 11, class 2 (token half): token movements are always decoded and counted. No generic (target,
 * selector) permission may carry a token-moving selector, and classification decodes token selectors before it
 * looks at permissions, so removing an asset's limits (an instant change) denies its transfers, never uncaps them.
 */
import { expect } from "chai";
import { id } from "ethers";
import {
  type Connection,
  NATIVE,
  addAgent,
  agentOp,
  deployPolicyWorld,
  deployTokens,
  expectOpError,
  expectSuccess,
  isolatedFixture,
  limits,
  ownersRun,
  selfCall,
  tokenPay,
  utc,
  walletInterface,
} from "../helpers/policy.js";

const T = utc(2030, 7, 2, 10);
const DAILY = 2_000n;
const sel = (sig: string) => id(sig).slice(0, 10);

const TOKEN_MOVING = [
  "transfer(address,uint256)",
  "transferFrom(address,address,uint256)",
  "approve(address,uint256)",
  "increaseAllowance(address,uint256)",
  "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
  "permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)",
  "transferAndCall(address,uint256,bytes)",
  "transferAndCall(address,uint256)",
  "transferFromAndCall(address,address,uint256)",
  "transferFromAndCall(address,address,uint256,bytes)",
  "approveAndCall(address,uint256)",
  "approveAndCall(address,uint256,bytes)",
  "safeTransferFrom(address,address,uint256)",
  "safeTransferFrom(address,address,uint256,bytes)",
  "safeTransferFrom(address,address,uint256,uint256,bytes)",
  "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
  "setApprovalForAll(address,bool)",
  "burn(uint256)",
  "burnFrom(address,uint256)",
];

const tokenPathsFixture = isolatedFixture(async function tokenPathsFixture(conn: Connection) {
  const world = await deployPolicyWorld(conn);
  const tokens = await deployTokens(world);
  const erc20 = await tokens.erc20.getAddress();
  const nft = await tokens.nft.getAddress();
  const payable = await world.ethers.deployContract("MockPayable");
  const payableAddress = await payable.getAddress();
  const [a] = world.agents;
  const [r0] = world.recipients;
  await addAgent(world, a.address, {
    assets: [
      [erc20, limits({ perTx: 1_000n, daily: DAILY })],
      [NATIVE, limits({ perTx: 1_000n, daily: 5_000n })],
    ],
    recipients: [r0],
    permissions: [{ target: payableAddress, selector: sel("deposit()"), maxValue: 50n }],
  });
  return { world, tokens, erc20, nft, a, r0, payable, payableAddress };
});

/** The inner error of the owners' batch that reverted when executed (`WalletCallFailed(index, inner)`). */
async function innerError(tx: Promise<unknown>) {
  try {
    await tx;
  } catch (e) {
    const data = (e as { data?: string }).data;
    const outer = walletInterface.parseError(data!);
    expect(outer?.name).to.equal("WalletCallFailed");
    return walletInterface.parseError(outer!.args[1] as string);
  }
  expect.fail("the owners' batch should have reverted");
}

describe("Policy: token movements are always decoded (class 2, token half)", function () {
  it("test_reviewerExploit_permissionOnTransferThenRemoveLimits_cannotMoveUncapped", async function () {
    const { world, tokens, erc20, a, r0 } = await tokenPathsFixture();
    // Step 1 of the exploit: a generic permission on the token's `transfer` selector. Refused.
    const grant = await innerError(
      ownersRun(world, [
        selfCall(world, "setCallPermission", [
          a.address,
          erc20,
          sel("transfer(address,uint256)"),
          0n,
          0n,
        ]),
      ]),
    );
    expect(grant?.name).to.equal("PolicyPermissionMovesTokens");
    expect(grant?.args.toArray()).to.deep.equal([
      a.address,
      erc20,
      sel("transfer(address,uint256)"),
    ]);
    // Step 2: remove the asset's limits at once (instant: it tightens).
    await ownersRun(world, [selfCall(world, "removeAssetLimits", [a.address, erc20])]);
    // Step 3: 500x the former daily cap. Denied: without limits the token can't be moved at all.
    const res = await agentOp(world, a, [tokenPay(erc20, r0, 500n * DAILY)], { at: T });
    expectOpError(res, "PolicyTokenMovementNotAllowed", [
      a.address,
      erc20,
      sel("transfer(address,uint256)"),
    ]);
    expect(await tokens.erc20.balanceOf(r0)).to.equal(0n);
  });

  it("test_setCallPermission_anyTokenMovingSelector_refusedOnAnyTarget", async function () {
    const { world, erc20, nft, a, r0 } = await tokenPathsFixture();
    for (const [i, sig] of TOKEN_MOVING.entries()) {
      // On the tracked token, an NFT and a plain address alike.
      const target = [erc20, nft, r0][i % 3];
      const err = await innerError(
        ownersRun(world, [
          selfCall(world, "setCallPermission", [a.address, target, sel(sig), 0n, 0n]),
        ]),
      );
      expect(err?.name, sig).to.equal("PolicyPermissionMovesTokens");
    }
  });

  it("test_setCallPermission_decreaseAllowance_allowed", async function () {
    const { world, erc20, a } = await tokenPathsFixture();
    // It can only lower what a spender may take: owners may permit it.
    const selector = sel("decreaseAllowance(address,uint256)");
    await ownersRun(world, [
      selfCall(world, "setCallPermission", [a.address, erc20, selector, 0n, 0n]),
    ]);
    expect((await world.wallet.getCallPermission(a.address, erc20, selector)).allowed).to.equal(
      true,
    );
  });

  it("test_transfer_withinLimits_stillCounted", async function () {
    const { world, tokens, erc20, a, r0 } = await tokenPathsFixture();
    expectSuccess(await agentOp(world, a, [tokenPay(erc20, r0, 1_000n)], { at: T }));
    expect(await tokens.erc20.balanceOf(r0)).to.equal(1_000n);
    expect(await world.wallet.maxLoss(a.address, erc20)).to.equal(DAILY - 1_000n);
  });

  it("test_maxLoss_permittedCallValueCountsTowardNativeAllowance", async function () {
    const { world, a, r0, payableAddress } = await tokenPathsFixture();
    // A first op starts the agent's day (its budget refill), so the gas part is settled below.
    expectSuccess(await agentOp(world, a, [{ target: r0, value: 1n, data: "0x" }], { at: T }));
    const [, nativeLeft] = await world.wallet.remaining(a.address, NATIVE);
    expect(nativeLeft).to.equal(5_000n - 1n);
    const [spentBefore] = await world.wallet.gasBudget(a.address);
    const before = await world.wallet.maxLoss(a.address, NATIVE);
    const deposit = { target: payableAddress, value: 50n, data: sel("deposit()") };
    expectSuccess(await agentOp(world, a, [deposit], { at: T + 60n }));
    const [spentAfter] = await world.wallet.gasBudget(a.address);
    // The promise shrank by exactly the value sent and the gas validation charged for the op.
    expect(await world.wallet.maxLoss(a.address, NATIVE)).to.equal(
      before - 50n - (spentAfter - spentBefore),
    );
    const [, afterLeft] = await world.wallet.remaining(a.address, NATIVE);
    expect(afterLeft).to.equal(nativeLeft - 50n);
  });

  it("test_maxLoss_unknownOrRevokedAgent_isZero", async function () {
    const { world, erc20, a } = await tokenPathsFixture();
    expect(await world.wallet.maxLoss(world.recipients[3], NATIVE)).to.equal(0n);
    await (await world.wallet.connect(world.guardian).revokeAgent(a.address)).wait();
    expect(await world.wallet.maxLoss(a.address, NATIVE)).to.equal(0n);
    expect(await world.wallet.maxLoss(a.address, erc20)).to.equal(0n);
  });
});
