/**
 * readAllowlist: an agent's recipients and call permissions, listed from events and confirmed by the wallet's
 * views — entries removed or revoked by the owners disappear, other agents' entries never show.
 */
import { expect } from "chai";
import { Wallet, parseEther } from "ethers";
import { InvalidAddressError, OwnerClient, readAllowlist } from "../../src/client/index.js";
import { startStack, type Stack } from "./stack.js";

describe("readAllowlist", function () {
  this.timeout(120_000);
  let stack: Stack;
  let owners: OwnerClient;
  let walletAddress: string;
  const agent = Wallet.createRandom().address;
  const otherAgent = Wallet.createRandom().address;
  const [shopA, shopB, shopC, target] = Array.from(
    { length: 4 },
    () => Wallet.createRandom().address,
  );

  before(async () => {
    stack = await startStack();
    const alice = await stack.fundedWallet("alice");
    const bob = await stack.fundedWallet("bob");
    const created = await OwnerClient.createWallet(stack.chain.deployer, {
      factory: stack.factory,
      owners: [alice.address, bob.address],
      threshold: 2,
      guardians: [],
      minPauseDuration: 3600,
      salt: "allowlist-tests",
      agents: [
        {
          key: agent,
          limits: { native: { perTx: "1", daily: "2" } },
          recipients: [shopA, shopB],
          permissions: [
            { target, selector: "0x12345678", maxValue: "0.1" },
            { target, selector: "0xdeadbeef", expiresAt: 4_102_444_800n },
          ],
        },
        { key: otherAgent, limits: { native: { perTx: "1" } }, recipients: [shopC] },
      ],
    });
    walletAddress = created.address;
    owners = new OwnerClient({ wallet: walletAddress, signers: [alice, bob] });
  });

  after(async () => {
    await stack?.stop();
  });

  it("lists the recipients and calls the owners allowed, for this agent only", async () => {
    const list = await readAllowlist(walletAddress, stack.chain.provider, agent);
    expect(list.recipients).to.deep.equal([shopA, shopB]);
    expect(list.calls).to.deep.equal([
      { target, selector: "0x12345678", maxValue: parseEther("0.1"), expiresAt: 0n },
      { target, selector: "0xdeadbeef", maxValue: 0n, expiresAt: 4_102_444_800n },
    ]);
    const other = await readAllowlist(walletAddress, stack.chain.provider, otherAgent);
    expect(other.recipients).to.deep.equal([shopC]);
    expect(other.calls).to.deep.equal([]);
  });

  it("drops what the owners removed: the wallet's views decide, not the logs", async () => {
    await owners.submit([
      ...owners.calls.removeRecipient(agent, shopB),
      ...owners.calls.revokeCallPermission(agent, target, "0x12345678"),
    ]);
    const list = await readAllowlist(walletAddress, stack.chain.provider, agent);
    expect(list.recipients).to.deep.equal([shopA]);
    expect(list.calls.map((c) => c.selector)).to.deep.equal(["0xdeadbeef"]);
  });

  it("an unknown agent has empty lists; a malformed address is refused", async () => {
    const none = await readAllowlist(
      walletAddress,
      stack.chain.provider,
      Wallet.createRandom().address,
    );
    expect(none.recipients).to.deep.equal([]);
    expect(none.calls).to.deep.equal([]);
    await readAllowlist(walletAddress, stack.chain.provider, "0x1234").then(
      () => expect.fail("resolved"),
      (error: unknown) => expect(error).to.be.instanceOf(InvalidAddressError),
    );
  });
});
