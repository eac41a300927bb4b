/**
 * A passkey as an owner, in three steps the page walks through: create it (WebAuthn; the page keeps only the
 * public key), deploy its owner contract (an owners' user operation: the wallet pays the gas, too heavy for
 * the relayer to pay), then propose it as an owner (a batch the owners sign; queued for the admin delay).
 * Once it is an owner, it signs approvals, batches and relayer requests.
 */
import { useEffect, useState } from "react";
import { addPasskeyOwnerCalls } from "../../src/client/passkey.js";
import { selfCall } from "../../src/client/contracts.js";
import type { ConsoleBatch, ConsoleSigner, Leash } from "./leash.js";
import type { Notice } from "./App.js";
import {
  createPasskey,
  passkeySigner,
  passkeySupported,
  storedPasskey,
  type StoredPasskey,
} from "./passkey.js";
import { errorText, short } from "./format.js";

/** Gas for the owners' operation that deploys a passkey owner contract (about 1.13 M measured, with margin). */
const DEPLOY_CALL_GAS = 1_600_000n;

export function PasskeyPanel({
  leash,
  owners,
  signer,
  onSigner,
  onNotice,
  onBatch,
  refreshed,
}: {
  leash: Leash;
  owners: string[];
  signer: ConsoleSigner | null;
  onSigner: (s: ConsoleSigner) => void;
  onNotice: (n: Notice) => void;
  onBatch: (b: ConsoleBatch) => void;
  /** Changes on every refresh of the wallet: the contract's deployment is checked again. */
  refreshed: unknown;
}) {
  const [passkey, setPasskey] = useState<StoredPasskey | null>(() => storedPasskey(leash.wallet));
  const [deployed, setDeployed] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!passkey) return;
    let live = true;
    leash.provider.getCode(passkey.address).then(
      (code) => live && setDeployed(code !== "0x"),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [leash, passkey, refreshed]);
  const isOwner = !!passkey && owners.includes(passkey.address);
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    try {
      await work();
    } catch (e) {
      onNotice({ kind: "error", text: errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  if (!passkeySupported())
    return <p className="hint">Passkeys need a browser with WebAuthn, on https or localhost.</p>;
  if (!passkey)
    return (
      <button
        type="button"
        disabled={busy}
        onClick={() =>
          run(async () => {
            const created = await createPasskey(leash.wallet);
            setPasskey(created);
            onNotice({
              kind: "ok",
              text: `Passkey created: its owner address is ${created.address}. Deploy its owner contract next.`,
            });
          })
        }
      >
        Create a passkey
      </button>
    );
  if (isOwner)
    return (
      <button
        type="button"
        onClick={() => onSigner(passkeySigner(passkey))}
        disabled={signer?.address === passkey.address}
      >
        Use passkey ({short(passkey.address)})
      </button>
    );
  if (deployed === false)
    return (
      <button
        type="button"
        disabled={busy}
        onClick={() =>
          run(async () => {
            const [create] = addPasskeyOwnerCalls(leash.wallet, passkey.key);
            onBatch(await leash.newUserOpBatch([create], DEPLOY_CALL_GAS));
            onNotice({
              kind: "info",
              text: "Owners sign the deployment of your passkey's owner contract below (the wallet pays the gas).",
            });
          })
        }
      >
        Deploy passkey owner {short(passkey.address)}
      </button>
    );
  return (
    <button
      type="button"
      disabled={busy || deployed === null}
      onClick={() =>
        run(async () => {
          onBatch(await leash.newBatch([selfCall(leash.wallet, "addOwner", [passkey.address])]));
          onNotice({
            kind: "info",
            text: "A batch adding your passkey as an owner is ready below: owners sign it, then submit.",
          });
        })
      }
    >
      Propose passkey {short(passkey.address)} as owner
    </button>
  );
}
