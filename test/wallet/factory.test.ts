import { expect } from "chai";
import { network } from "hardhat";
import { zeroPadValue, type Interface } from "ethers";
import { IAgentWallet__factory } from "../../typechain-types/index.js";
import { deployLeash, sortByAddress, testWallets } from "../helpers/fixtures.js";
import { AgentStatus, defaultRules, errorData, walletFixture } from "../helpers/wallet.js";

const conn = await network.create();
const { ethers, networkHelpers } = conn;
const load = () => networkHelpers.loadFixture(walletFixture);

const walletCall = (fn: string, args: unknown[]): string =>
  (IAgentWallet__factory.createInterface() as unknown as Interface).encodeFunctionData(fn, args);

describe("AgentWalletFactory and initialization", function () {
  it("test_getAddress_equalsDeployedAddress", async function () {
    const fx = await load();
    // `createWallet` in the fixture connected to the address `getAddress` predicted: code must be there.
    expect(await ethers.provider.getCode(fx.address)).to.not.equal("0x");
    expect(await fx.wallet.getOwners()).to.deep.equal(fx.owners.map((o) => o.address));
    expect(await fx.wallet.threshold()).to.equal(2n);
    expect(await fx.wallet.isGuardian(fx.guardian.address)).to.equal(true);
    expect(await fx.wallet.entryPoint()).to.equal(await fx.entryPoint.getAddress());
  });

  it("test_createWallet_emitsWalletCreatedAndWalletInitialized", async function () {
    const fx = await load();
    const salt = zeroPadValue("0x02", 32);
    const predicted = await fx.factory.getFunction("getAddress")(fx.config, [], salt);
    const tx = fx.factory.createWallet(fx.config, [], salt);
    await expect(tx)
      .to.emit(fx.factory, "WalletCreated")
      .withArgs(predicted, salt, fx.config.owners, fx.config.threshold);
    await expect(tx)
      .to.emit(IAgentWallet__factory.connect(predicted, ethers.provider), "WalletInitialized")
      .withArgs(await fx.entryPoint.getAddress(), fx.config.owners, 2n, [fx.guardian.address]);
  });

  it("test_createWallet_isIdempotent", async function () {
    const fx = await load();
    const again = await fx.factory.createWallet.staticCall(fx.config, [], fx.salt);
    expect(again).to.equal(fx.address);
    // A second create returns the same wallet and emits nothing (no re-initialization).
    await expect(fx.factory.createWallet(fx.config, [], fx.salt)).to.not.emit(
      fx.factory,
      "WalletCreated",
    );
    expect(await fx.wallet.threshold()).to.equal(2n);
  });

  it("test_getAddress_differsForDifferentConfigOrSalt", async function () {
    const fx = await load();
    const get = fx.factory.getFunction("getAddress");
    const base = await get(fx.config, [], fx.salt);
    const otherSalt = await get(fx.config, [], zeroPadValue("0x03", 32));
    const otherThreshold = await get({ ...fx.config, threshold: 1 }, [], fx.salt);
    const otherOwners = await get(
      { ...fx.config, owners: fx.config.owners.slice(0, 2) },
      [],
      fx.salt,
    );
    const otherGuardians = await get({ ...fx.config, guardians: [] }, [], fx.salt);
    const otherPause = await get({ ...fx.config, minPauseDuration: 7200 }, [], fx.salt);
    const withSetup = await get(fx.config, ["0x"], fx.salt);
    const all = [
      base,
      otherSalt,
      otherThreshold,
      otherOwners,
      otherGuardians,
      otherPause,
      withSetup,
    ];
    expect(new Set(all).size).to.equal(all.length);
  });

  it("test_initialize_revertsOnImplementation", async function () {
    const fx = await load();
    const impl = IAgentWallet__factory.connect(await fx.implementation.getAddress(), fx.stranger);
    await expect(
      impl.initialize({ ...fx.config, owners: [fx.stranger.address], threshold: 1 }, []),
    ).to.be.revertedWithCustomError(fx.implementation, "InvalidInitialization");
    expect(await impl.threshold()).to.equal(0n);
  });

  it("test_initialize_revertsOnProxyTwice", async function () {
    const fx = await load();
    const takeover = { ...fx.config, owners: [fx.stranger.address], threshold: 1 };
    await expect(
      fx.wallet.connect(fx.stranger).initialize(takeover, []),
    ).to.be.revertedWithCustomError(fx.implementation, "InvalidInitialization");
    expect(await fx.wallet.isOwner(fx.stranger.address)).to.equal(false);
  });

  it("test_createWallet_revertsWhenSetupDataReverts", async function () {
    const fx = await load();
    // A setup call the wallet refuses (threshold above the owner count) fails the whole creation.
    const bad = walletCall("changeThreshold", [9n]);
    await expect(fx.factory.createWallet(fx.config, [bad], zeroPadValue("0x09", 32)))
      .to.be.revertedWithCustomError(fx.wallet, "WalletSetupFailed")
      .withArgs(0n, errorData("OwnerInvalidThreshold(uint256,uint256)", [9n, 3n]));
  });

  it("test_createWallet_revertsWhenSetupDataHasNoFunction", async function () {
    const fx = await load();
    await expect(
      fx.factory.createWallet(fx.config, ["0xdeadbeef"], zeroPadValue("0x0a", 32)),
    ).to.be.revertedWithCustomError(fx.wallet, "WalletSetupFailed");
  });

  it("test_createWallet_runsSetupDataWithoutTimelock", async function () {
    const fx = await load();
    const [agentKey] = testWallets(1, "setup-agent");
    const setup = [walletCall("addAgent", [agentKey.address, 0, 0, defaultRules(ethers)])];
    const salt = zeroPadValue("0x0b", 32);
    const predicted = await fx.factory.getFunction("getAddress")(fx.config, setup, salt);
    await (await fx.factory.createWallet(fx.config, setup, salt)).wait();
    const wallet = IAgentWallet__factory.connect(predicted, ethers.provider);
    expect((await wallet.getAgent(agentKey.address))[1]).to.equal(AgentStatus.Active);
    // Outside setup the same call is refused.
    await expect(
      wallet.connect(fx.stranger).addAgent(fx.stranger.address, 0, 0, defaultRules(ethers)),
    ).to.be.revertedWithCustomError(wallet, "WalletOnlySelf");
  });

  it("test_createWallet_revertsOnTooManySetupCalls", async function () {
    const fx = await load();
    const calls = Array.from({ length: 33 }, () => "0x");
    await expect(fx.factory.createWallet(fx.config, calls, zeroPadValue("0x0c", 32)))
      .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidCallCount")
      .withArgs(33n, 32n);
  });

  it("test_createWallet_revertsOnInvalidConfig", async function () {
    const fx = await load();
    const s = (n: number) => zeroPadValue(`0x${(0x40 + n).toString(16)}`, 32);
    const owners = fx.config.owners;
    await expect(fx.factory.createWallet({ ...fx.config, threshold: 0 }, [], s(1)))
      .to.be.revertedWithCustomError(fx.wallet, "OwnerInvalidThreshold")
      .withArgs(0n, 3n);
    await expect(fx.factory.createWallet({ ...fx.config, threshold: 4 }, [], s(2)))
      .to.be.revertedWithCustomError(fx.wallet, "OwnerInvalidThreshold")
      .withArgs(4n, 3n);
    await expect(fx.factory.createWallet({ ...fx.config, owners: [], threshold: 1 }, [], s(3)))
      .to.be.revertedWithCustomError(fx.wallet, "OwnerInvalidThreshold")
      .withArgs(1n, 0n);
    await expect(
      fx.factory.createWallet({ ...fx.config, owners: [owners[0], owners[0]] }, [], s(4)),
    )
      .to.be.revertedWithCustomError(fx.wallet, "OwnerAlreadyExists")
      .withArgs(owners[0]);
    await expect(
      fx.factory.createWallet(
        { ...fx.config, owners: [ethers.ZeroAddress], threshold: 1 },
        [],
        s(5),
      ),
    )
      .to.be.revertedWithCustomError(fx.wallet, "OwnerInvalid")
      .withArgs(ethers.ZeroAddress);
    const seventeen = sortByAddress(testWallets(17, "many")).map((w) => w.address);
    await expect(
      fx.factory.createWallet({ ...fx.config, owners: seventeen, threshold: 1 }, [], s(6)),
    )
      .to.be.revertedWithCustomError(fx.wallet, "OwnerTooMany")
      .withArgs(17n, 16n);
    await expect(fx.factory.createWallet({ ...fx.config, guardians: seventeen }, [], s(7)))
      .to.be.revertedWithCustomError(fx.wallet, "GuardianTooMany")
      .withArgs(17n, 16n);
    await expect(
      fx.factory.createWallet({ ...fx.config, guardians: [ethers.ZeroAddress] }, [], s(8)),
    )
      .to.be.revertedWithCustomError(fx.wallet, "GuardianInvalid")
      .withArgs(ethers.ZeroAddress);
    const g = fx.guardian.address;
    await expect(fx.factory.createWallet({ ...fx.config, guardians: [g, g] }, [], s(9)))
      .to.be.revertedWithCustomError(fx.wallet, "GuardianAlreadyExists")
      .withArgs(g);
    await expect(
      fx.factory.createWallet({ ...fx.config, minPauseDuration: 30 * 86400 + 1 }, [], s(10)),
    )
      .to.be.revertedWithCustomError(fx.wallet, "WalletInvalidPauseDuration")
      .withArgs(30n * 86400n + 1n, 30n * 86400n);
    await expect(fx.factory.createWallet({ ...fx.config, utcOffset: 14 * 3600 + 1 }, [], s(11)))
      .to.be.revertedWithCustomError(fx.wallet, "PolicyInvalidUtcOffset")
      .withArgs(14n * 3600n + 1n);
  });

  it("test_createWallet_sixteenOwnersAccepted", async function () {
    const fx = await load();
    const sixteen = sortByAddress(testWallets(16, "many")).map((w) => w.address);
    const salt = zeroPadValue("0x0c", 32);
    const predicted = await fx.factory.getFunction("getAddress")(
      { ...fx.config, owners: sixteen, threshold: 16 },
      [],
      salt,
    );
    await (
      await fx.factory.createWallet({ ...fx.config, owners: sixteen, threshold: 16 }, [], salt)
    ).wait();
    const w = IAgentWallet__factory.connect(predicted, ethers.provider);
    expect((await w.getOwners()).length).to.equal(16);
    expect(await w.threshold()).to.equal(16n);
  });

  it("test_deployLeash_entryPointIsImplementationImmutable", async function () {
    const { entryPoint, implementation } = await deployLeash(ethers);
    const impl = IAgentWallet__factory.connect(await implementation.getAddress(), ethers.provider);
    expect(await impl.entryPoint()).to.equal(await entryPoint.getAddress());
  });
});
