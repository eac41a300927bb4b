/** `leash wallet create|show|add-passkey-owner`. */
import type { Command } from "commander";
import {
  OwnerClient,
  PASSKEY_OWNER_FACTORY,
  addPasskeyOwnerCalls,
  parsePasskeyPublicKey,
  passkeyOwnerAddress,
  type AgentSetup,
  type WalletConfigInput,
} from "../../client/core.js";
import {
  amountText,
  ownerClient,
  readerClient,
  rpcProvider,
  signers,
  timeText,
} from "../clients.js";
import { action } from "../context.js";
import { need, parseAddress } from "../config.js";
import { CliError, EXIT, usageError } from "../errors.js";
import { renderFields } from "../output.js";
import { parseDuration, parseIntOption } from "../units.js";
import {
  batchOption,
  collect,
  limitOptions,
  limitsFrom,
  submitOrSign,
  type LimitOptions,
} from "./shared.js";
import { predictStackAddresses } from "../../../deploy/deterministic.js";

interface CreateOptions extends LimitOptions {
  owner: string[];
  threshold: string;
  guardian: string[];
  minPause: string;
  utcOffset: string;
  salt?: string;
  factory?: string;
  predict?: boolean;
  agent?: string;
  recipient: string[];
  maxOpCost?: string;
}

/**
 * The factory's address on every chain (CREATE2 through 0x4e59… with the fixed salt, against the
 * canonical EntryPoint: deploy/deterministic.ts), from this checkout's build; undefined without a build.
 */
function deterministicFactory(): string | undefined {
  try {
    return predictStackAddresses().factory;
  } catch {
    return undefined;
  }
}

export function registerWallet(program: Command): void {
  const wallet = program.command("wallet").description("create and inspect Leash wallets");

  limitOptions(
    wallet
      .command("create")
      .description(
        "create a wallet through the factory (the signing key pays gas); --predict only prints its address",
      )
      .option("--owner <address>", "an owner (repeat for each)", collect, [])
      .option("--threshold <m>", "approvals needed (M of N owners)", "1")
      .option("--guardian <address>", "a guardian besides the owners (repeat)", collect, [])
      .option("--min-pause <duration>", "shortest pause before owners may unpause", "1h")
      .option("--utc-offset <seconds>", "the wallet's time zone for daily/weekly windows", "0")
      .option(
        "--salt <label>",
        "a label or 32-byte hex, to create several wallets with the same owners",
      )
      .option(
        "--factory <address>",
        "AgentWalletFactory (env LEASH_FACTORY, or `factory` in config)",
      )
      .option("--predict", "print the counterfactual address without creating")
      .option("--agent <key>", "set up one agent at creation, without the timelock")
      .option("--recipient <address>", "a recipient the agent may pay (repeat)", collect, [])
      .option("--max-op-cost <eth>", "most gas (in ETH) one agent operation may cost the wallet"),
  ).action(
    action(async (ctx, opts: CreateOptions) => {
      if (opts.owner.length === 0) throw usageError("give at least one --owner");
      const factory = parseAddress(
        need(
          opts.factory ?? ctx.settings.factory ?? deterministicFactory(),
          "factory",
          "pass --factory or set LEASH_FACTORY",
        ),
        "factory",
      );
      const utcOffset = Number(opts.utcOffset);
      if (!/^-?\d{1,6}$/.test(opts.utcOffset) || Math.abs(utcOffset) > 14 * 3600)
        throw usageError(`--utc-offset must be seconds within ±14h: ${opts.utcOffset}`);
      const agents: AgentSetup[] = [];
      if (opts.agent !== undefined) {
        agents.push({
          key: parseAddress(opts.agent, "--agent"),
          rules: opts.maxOpCost !== undefined ? { maxOpCost: opts.maxOpCost } : undefined,
          limits: { [opts.asset]: limitsFrom(opts) },
          recipients: opts.recipient.map((r) => parseAddress(r, "--recipient")),
        });
      } else if (
        opts.recipient.length > 0 ||
        opts.perTx !== undefined ||
        opts.daily !== undefined
      ) {
        throw usageError("agent limits and recipients need --agent <key>");
      }
      const input: WalletConfigInput = {
        factory,
        owners: opts.owner.map((o) => parseAddress(o, "--owner")),
        threshold: parseIntOption(opts.threshold, "--threshold", 255),
        guardians: opts.guardian.map((g) => parseAddress(g, "--guardian")),
        minPauseDuration: parseDuration(opts.minPause),
        utcOffset,
        agents,
        salt: opts.salt,
      };
      // After the keys are unlocked (a wrong password is reported before any network call).
      const requireFactory = async () => {
        const provider = await rpcProvider(ctx);
        if ((await provider.getCode(factory)) === "0x") {
          const { chainId } = await provider.getNetwork();
          throw usageError(
            `no Leash factory at ${factory} on chain ${chainId}: deploy it (docs/DEPLOY.md) or pass --factory`,
          );
        }
        return provider;
      };
      if (opts.predict) {
        const address = await OwnerClient.getAddress(await requireFactory(), input);
        ctx.out.result({ address, created: false }, () => `wallet address: ${address}`);
        return;
      }
      const [deployer] = await signers(ctx);
      await requireFactory();
      const result = await ctx.out.step("creating the wallet", () =>
        OwnerClient.createWallet(deployer, input),
      );
      ctx.out.result(result, () =>
        result.created
          ? `wallet created at ${result.address} (tx ${result.transactionHash})`
          : `wallet already exists at ${result.address}`,
      );
    }),
  );

  wallet
    .command("show")
    .description("owners, threshold, guardians, pause state, delays, balance")
    .action(
      action(async (ctx) => {
        const client = await readerClient(ctx);
        const info = await client.info();
        ctx.out.result(info, () =>
          renderFields([
            ["wallet", info.address],
            ["owners", info.owners.join(", ")],
            ["threshold", `${info.threshold} of ${info.owners.length}`],
            ["guardians", info.guardians.join(", ") || "-"],
            ["paused", info.paused ? `yes, since ${timeText(info.pausedAt)}` : "no"],
            ["min pause", `${info.minPauseDuration} s`],
            ["admin delay", `${info.adminDelay} s`],
            ["upgrade delay", `${info.upgradeDelay} s`],
            ["utc offset", `${info.utcOffset} s`],
            ["balance", amountText(info.balance)],
            ["EntryPoint deposit", amountText(info.deposit)],
            ["proposals", info.proposalCount],
            ["entry point", info.entryPoint],
          ]),
        );
      }),
    );

  batchOption(
    wallet
      .command("add-passkey-owner <public-key>")
      .description(
        "propose a passkey as an owner: its P-256 public key as hex (SPKI DER from getPublicKey(), a COSE_Key, or 0x04‖x‖y); creates its PasskeyOwner contract and adds it (a loosening: waits the admin delay)",
      )
      .option(
        "--passkey-owner-factory <address>",
        "PasskeyOwnerFactory (env LEASH_PASSKEY_OWNER_FACTORY, or `passkeyOwnerFactory` in config; default: its deterministic address)",
      ),
  ).action(
    action(
      async (ctx, publicKey: string, opts: { passkeyOwnerFactory?: string; batch?: string }) => {
        const key = parsePasskeyPublicKey(publicKey);
        const factory = parseAddress(
          opts.passkeyOwnerFactory ?? ctx.settings.passkeyOwnerFactory ?? PASSKEY_OWNER_FACTORY,
          "passkey owner factory",
        );
        const client = await ownerClient(ctx);
        if ((await client.provider.getCode(factory)) === "0x")
          throw new CliError(
            `no PasskeyOwnerFactory at ${factory} on this chain: deploy it (docs/DEPLOY.md) or pass --passkey-owner-factory`,
            EXIT.usage,
          );
        const owner = passkeyOwnerAddress(key, factory);
        if (await client.contract.isOwner(owner))
          throw new CliError(
            `passkey owner ${owner} is already an owner of ${client.wallet}`,
            EXIT.refused,
          );
        await submitOrSign(
          ctx,
          client,
          addPasskeyOwnerCalls(client.wallet, key, factory),
          `add passkey owner ${owner}`,
          opts.batch,
        );
      },
    ),
  );
}
