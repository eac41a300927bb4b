/** Create a passkey, propose it as an owner (a batch the owners sign), and sign with it once it is one. */
import { useState } from "react";
import { addPasskeyOwnerCalls } from "../../src/client/passkey.js";
import type { SignedBatch } from "../../src/client/owner.js";
import type { ConsoleSigner, Leash } from "./leash.js";
import type { Notice } from "./App.js";
import {
  createPasskey,
  passkeySigner,
  passkeySupported,
  storedPasskey,
  type StoredPasskey,
} from "./passkey.js";
import { errorText, short } from "./format.js";

export function PasskeyPanel({
  leash,
  owners,
  signer,
  onSigner,
  onNotice,
  onBatch,
}: {
  leash: Leash;
  owners: string[];
  signer: ConsoleSigner | null;
  onSigner: (s: ConsoleSigner) => void;
  onNotice: (n: Notice) => void;
  onBatch: (b: SignedBatch) => void;
}) {
  const [passkey, setPasskey] = useState<StoredPasskey | null>(() => storedPasskey(leash.wallet));
  const [busy, setBusy] = useState(false);
  const isOwner = !!passkey && owners.includes(passkey.address);
  if (!passkeySupported())
    return <p className="hint">Passkeys need a browser with WebAuthn, on https or localhost.</p>;
  if (!passkey)
    return (
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            const created = await createPasskey(leash.wallet);
            setPasskey(created);
            onNotice({
              kind: "ok",
              text: `Passkey created: its owner address is ${created.address}. Propose it as an owner next.`,
            });
          } catch (e) {
            onNotice({ kind: "error", text: `Creating a passkey failed: ${errorText(e)}` });
          } finally {
            setBusy(false);
          }
        }}
      >
        Create a passkey
      </button>
    );
  return (
    <>
      {isOwner ? (
        <button
          type="button"
          onClick={() => onSigner(passkeySigner(passkey))}
          disabled={signer?.address === passkey.address}
        >
          Use passkey ({short(passkey.address)})
        </button>
      ) : (
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              onBatch(await leash.newBatch(addPasskeyOwnerCalls(leash.wallet, passkey.key)));
              onNotice({
                kind: "info",
                text: "A batch adding your passkey as an owner is ready below: owners sign it, then submit.",
              });
            } catch (e) {
              onNotice({ kind: "error", text: errorText(e) });
            } finally {
              setBusy(false);
            }
          }}
        >
          Propose passkey {short(passkey.address)} as owner
        </button>
      )}
    </>
  );
}
