/**
 * Puts EntryPoint v0.8 at its canonical address (0x4337084D…5Ff108) on a local dev chain (anvil or a Hardhat
 * node), so third-party bundlers and SDKs that assume it work unchanged. The npm artifact's initcode through
 * the CREATE2 deployer does not reproduce the canonical address (other compiler settings), so: deploy it
 * normally, then copy its runtime code to the canonical address with `<prefix>_setCode`, patching the
 * immutables that hold an address: the EntryPoint's own (EIP-712 `_cachedThis`), the EIP-712 cached domain
 * separator (it hashes that address), and its SenderCreator's, which is re-placed where the canonical
 * EntryPoint's constructor would have created it (`getCreateAddress(canonical, nonce 1)`), its own immutable
 * entry point patched the same way. Local chains only.
 */
import {
  AbiCoder,
  Contract,
  ContractFactory,
  getCreateAddress,
  keccak256,
  toUtf8Bytes,
  type InterfaceAbi,
  type Signer,
} from "ethers";

export const CANONICAL_ENTRY_POINT_V08 = "0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108";

type Rpc = (method: string, params: unknown[]) => Promise<unknown>;

function domainSeparator(entryPoint: string, chainId: bigint): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "bytes32", "bytes32", "uint256", "address"],
      [
        keccak256(
          toUtf8Bytes(
            "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
          ),
        ),
        keccak256(toUtf8Bytes("ERC4337")),
        keccak256(toUtf8Bytes("1")),
        chainId,
        entryPoint,
      ],
    ),
  );
}

/** Replaces every byte-aligned occurrence of `from` by `to` (hex without 0x, same length). */
function patch(code: string, from: string, to: string): { code: string; count: number } {
  const needle = from.toLowerCase().replace(/^0x/, "");
  const replacement = to.toLowerCase().replace(/^0x/, "");
  let out = code.toLowerCase();
  let count = 0;
  for (let i = out.indexOf(needle); i >= 0; i = out.indexOf(needle, i + replacement.length)) {
    if (i % 2 !== 0) continue;
    out = out.slice(0, i) + replacement + out.slice(i + needle.length);
    count++;
  }
  return { code: out, count };
}

/**
 * Deploys the EntryPoint artifact with `deployer`, then installs it at the canonical address; returns that
 * address. `rpc` sends a raw JSON-RPC request to the chain; `setCodeMethod` is `anvil_setCode` or
 * `hardhat_setCode`.
 *
 * @example
 * await installCanonicalEntryPoint(deployer, artifact, (m, p) => rpc(url, m, p), "anvil_setCode");
 */
export async function installCanonicalEntryPoint(
  deployer: Signer,
  artifact: { abi: InterfaceAbi; bytecode: string },
  rpc: Rpc,
  setCodeMethod: "anvil_setCode" | "hardhat_setCode" = "anvil_setCode",
): Promise<string> {
  const provider = deployer.provider!;
  const chainId = (await provider.getNetwork()).chainId;
  const deployed = await new ContractFactory(artifact.abi, artifact.bytecode, deployer).deploy();
  await deployed.waitForDeployment();
  const from = await deployed.getAddress();
  const canonical = CANONICAL_ENTRY_POINT_V08;
  // The EntryPoint creates its SenderCreator in its constructor: its first CREATE, nonce 1.
  const fromCreator = getCreateAddress({ from, nonce: 1 });
  const canonicalCreator = getCreateAddress({ from: canonical, nonce: 1 });

  let entryPointCode = (await provider.getCode(from)).slice(2);
  const steps: [string, string, string][] = [
    ["its own address", from, canonical],
    ["the SenderCreator address", fromCreator, canonicalCreator],
    [
      "the EIP-712 domain separator",
      domainSeparator(from, chainId),
      domainSeparator(canonical, chainId),
    ],
  ];
  for (const [what, a, b] of steps) {
    const patched = patch(entryPointCode, a, b);
    if (patched.count === 0) throw new Error(`EntryPoint runtime code does not hold ${what}`);
    entryPointCode = patched.code;
  }
  const creator = patch((await provider.getCode(fromCreator)).slice(2), from, canonical);
  if (creator.count === 0)
    throw new Error("SenderCreator runtime code does not hold its entry point");

  await rpc(setCodeMethod, [canonical, `0x${entryPointCode}`]);
  await rpc(setCodeMethod, [canonicalCreator, `0x${creator.code}`]);

  // Check the result the way bundlers use it.
  const check = new Contract(
    canonical,
    [
      "function senderCreator() view returns (address)",
      "function getDomainSeparatorV4() view returns (bytes32)",
    ],
    provider,
  );
  const [sc, separator] = await Promise.all([
    check.getFunction("senderCreator")(),
    check.getFunction("getDomainSeparatorV4")(),
  ]);
  if ((sc as string).toLowerCase() !== canonicalCreator.toLowerCase())
    throw new Error(`canonical EntryPoint names SenderCreator ${sc}`);
  if (separator !== domainSeparator(canonical, chainId))
    throw new Error("canonical EntryPoint has the wrong EIP-712 domain separator");
  return canonical;
}
