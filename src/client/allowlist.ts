/**
 * An agent's allowlists: the recipients it may pay and the (target, selector) calls it may make.
 *
 * The wallet keeps them in mappings, which can't be listed on-chain, so the events that changed them
 * (`RecipientAllowed`/`RecipientRemoved`, `CallPermissionChanged`) name the candidates, and the wallet's own views
 * (`isRecipientAllowed`, `getCallPermission`) decide which still hold: a log can't make an entry appear.
 */
import { Interface, zeroPadValue, type Provider } from "ethers";
import { walletContract, walletInterface } from "./contracts.js";
import { toLeashError } from "./errors.js";
import { toAddress } from "./units.js";

/** A (target, selector) call the agent may make, with at most `maxValue` wei, until `expiresAt` (0 = never). */
export interface AllowedCall {
  target: string;
  selector: string;
  maxValue: bigint;
  expiresAt: bigint;
}

export interface Allowlist {
  agent: string;
  /** Recipients the agent may pay, in the order they were first allowed. */
  recipients: string[];
  /** Calls the agent may make (expired ones included, with their expiry: the owners' grant still stands). */
  calls: AllowedCall[];
}

const events = walletInterface as Interface;

/**
 * Reads an agent's allowlists (see the module comment).
 *
 * @example
 * const { recipients, calls } = await readAllowlist(wallet, provider, agent);
 */
export async function readAllowlist(
  wallet: string,
  provider: Provider,
  agent: string,
  fromBlock = 0,
): Promise<Allowlist> {
  const walletAddress = toAddress(wallet, "wallet");
  const agentAddress = toAddress(agent, "agent");
  const agentTopic = zeroPadValue(agentAddress, 32);
  const topicOf = (name: string) => events.getEvent(name)!.topicHash;
  try {
    const [recipientLogs, permissionLogs] = await Promise.all([
      provider.getLogs({
        address: walletAddress,
        topics: [topicOf("RecipientAllowed"), agentTopic],
        fromBlock,
        toBlock: "latest",
      }),
      provider.getLogs({
        address: walletAddress,
        topics: [topicOf("CallPermissionChanged"), agentTopic],
        fromBlock,
        toBlock: "latest",
      }),
    ]);
    const candidates = [
      ...new Set(recipientLogs.map((l) => toAddress(`0x${l.topics[2].slice(26)}`))),
    ];
    const pairs = new Map<string, { target: string; selector: string }>();
    for (const log of permissionLogs) {
      const target = toAddress(`0x${log.topics[2].slice(26)}`);
      const selector = log.topics[3].slice(0, 10);
      pairs.set(`${target}${selector}`, { target, selector });
    }
    const w = walletContract(walletAddress, provider);
    const [allowed, permissions] = await Promise.all([
      Promise.all(candidates.map((r) => w.isRecipientAllowed(agentAddress, r))),
      Promise.all(
        [...pairs.values()].map((p) => w.getCallPermission(agentAddress, p.target, p.selector)),
      ),
    ]);
    return {
      agent: agentAddress,
      recipients: candidates.filter((_, i) => allowed[i]),
      calls: [...pairs.values()].flatMap((p, i) =>
        permissions[i].allowed
          ? [{ ...p, maxValue: permissions[i].maxValue, expiresAt: permissions[i].expiresAt }]
          : [],
      ),
    };
  } catch (error) {
    throw toLeashError(error);
  }
}
