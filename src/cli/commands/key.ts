/**
 * `leash key new|address`: encrypted keystores for owners, guardians and agents. The private key
 * is generated here and only ever written encrypted; it is never printed.
 */
import { resolve } from "node:path";
import { Wallet } from "ethers";
import type { Command } from "commander";
import { action } from "../context.js";
import { usageError } from "../errors.js";
import { PASSWORD_ENV, keystoreAddress, promptHidden, saveKeystore } from "../keystore.js";

export function registerKey(program: Command): void {
  const key = program.command("key").description("encrypted keystores (ethers / geth JSON format)");

  key
    .command("new <path>")
    .description(
      `generate a key into an encrypted keystore (password: ${PASSWORD_ENV} or a prompt)`,
    )
    .action(
      action(async (ctx, path: string) => {
        const target = resolve(path);
        let password = ctx.env[PASSWORD_ENV];
        if (password === undefined || password === "") {
          password = await promptHidden("new keystore password: ");
          const again = await promptHidden("repeat the password: ");
          if (again !== password) throw usageError("the passwords differ");
        }
        const wallet = Wallet.createRandom();
        await ctx.out.step("encrypting the key (scrypt)", () =>
          saveKeystore(target, new Wallet(wallet.privateKey), password),
        );
        ctx.out.result(
          { address: wallet.address, keystore: target },
          () => `new key ${wallet.address} in ${target}`,
        );
      }),
    );

  key
    .command("address <path>")
    .description("the address a keystore holds (no password needed)")
    .action(
      action(async (ctx, path: string) => {
        const address = keystoreAddress(resolve(path));
        ctx.out.result({ address }, () => address);
      }),
    );
}
