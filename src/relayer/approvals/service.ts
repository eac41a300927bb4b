/**
 * The owners' approvals service (the role Safe's Transaction Service plays) and the submission of guardians'
 * signed actions. Owners post EIP-712 approvals of a proposal; once the approvals on chain plus the stored ones
 * reach the threshold, the relayer submits them in one `approveWithSignatures`, then `execute(id)` as soon as
 * the proposal's eta has passed. Each of those two actions is claimed in the database before it is sent (one
 * claim per proposal and action, across restarts and instances); on chain the approval nonce and the
 * proposal state make a second submission revert in simulation, so it is never paid for.
 *
 * Every signature is verified by simulating the wallet's own check (eth_call from the relayer's signer):
 * the current owner set, ERC-1271 owners, the proposal's state, exactly as the transaction will see them.
 */
import { Interface as AbiInterface, getAddress, type Interface } from "ethers";
import { walletInterface } from "../../client/contracts.js";
import { approvalNonce } from "../../client/signedActions.js";
import { packOwnerSignatures } from "../../client/owner.js";
import type { Bundler } from "../bundler.js";
import type { ChainClient } from "../chain.js";
import type { RevertDecoder } from "../decodeRevert.js";
import { ExecutionRevertedError, InvalidParamsError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { LeashWalletCheck } from "./leashWallets.js";
import type { ApprovalStore, ProposalAction } from "./store.js";

const PENDING = 1;
const QUEUED = 2;
/** ProposalManager.GRACE_PERIOD */
const GRACE_PERIOD = 14n * 86_400n;
const erc1271Interface = new AbiInterface([
  "function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)",
]);
const ERC1271_MAGIC = "0x1626ba7e";

/** Signed actions are small: a bound on what one can make the relayer pay, whatever the estimate says. */
const MAX_ACTION_GAS = 1_500_000n;
/** A sent action whose effect is not on chain after this long is re-simulated and, if still valid, resent. */
const RESEND_AFTER_MS = 60_000;

export interface OwnerActionDeps {
  chain: ChainClient;
  chainId: bigint;
  bundler: Bundler;
  store: ApprovalStore;
  decoder: RevertDecoder;
  logger: Logger;
  signerAddress: string;
  /** Only Leash wallets get actions submitted (and paid for) by the relayer. */
  leashWallets: LeashWalletCheck;
  pollMs?: number;
}

export interface ProposalView {
  state: number;
  expiresAt: bigint;
  eta: bigint;
  approvals: bigint;
  threshold: bigint;
  owners: string[];
}

export class OwnerActionService {
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  /** One processing at a time per proposal within this instance (the DB claim covers other instances). */
  private readonly busy = new Map<string, Promise<void>>();

  constructor(private readonly deps: OwnerActionDeps) {
    this.log = deps.logger.child({ component: "approvals" });
  }

  start(): void {
    const tick = async () => {
      try {
        for (const p of await this.deps.store.openProposals()) {
          if (this.stopped) return;
          await this.process(p.wallet, p.proposalId);
        }
      } catch (error) {
        this.log.warn("approvals tick failed", { error });
      }
    };
    const loop = () => {
      if (this.stopped) return;
      this.running = tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.deps.pollMs ?? 1_000);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await Promise.allSettled(this.busy.values());
  }

  async read<T = unknown>(wallet: string, fn: string, args: unknown[]): Promise<T> {
    const iface = walletInterface as Interface;
    const result = await this.deps.chain.call({
      to: wallet,
      data: iface.encodeFunctionData(fn, args),
    });
    if (result.reverted)
      throw new InvalidParamsError(
        `wallet ${wallet} refused ${fn}: ${this.deps.decoder.describe(this.deps.decoder.decode(result.data))}`,
      );
    const decoded = iface.decodeFunctionResult(fn, result.result);
    return (decoded.length === 1 ? decoded[0] : decoded) as T;
  }

  /**
   * ERC-1271: whether contract `signer` (e.g. a PasskeyOwner) accepts `signature` over `digest`, by eth_call of
   * its `isValidSignature`. False for an EOA, a revert, or any answer but the magic value.
   */
  async isValidContractSignature(
    signer: string,
    digest: string,
    signature: string,
  ): Promise<boolean> {
    const result = await this.deps.chain.call({
      to: signer,
      data: erc1271Interface.encodeFunctionData("isValidSignature", [digest, signature]),
    });
    if (result.reverted || result.result.length !== 66) return false;
    return result.result.slice(0, 10).toLowerCase() === ERC1271_MAGIC;
  }

  async now(): Promise<bigint> {
    const block = await this.deps.chain.request<{ timestamp: string }>("eth_getBlockByNumber", [
      "latest",
      false,
    ]);
    return BigInt(block.timestamp);
  }

  async proposal(wallet: string, id: bigint): Promise<ProposalView> {
    const [p, threshold, owners] = await Promise.all([
      this.read<unknown[]>(wallet, "getProposal", [id]),
      this.read<bigint>(wallet, "threshold", []),
      this.read<string[]>(wallet, "getOwners", []),
    ]);
    return {
      state: Number(p[0]),
      expiresAt: BigInt(p[3] as bigint),
      eta: BigInt(p[4] as bigint),
      approvals: BigInt(p[6] as bigint),
      threshold,
      owners: [...owners],
    };
  }

  /**
   * Simulates `data` on the wallet from the relayer's signer; throws the decoded revert (nothing is sent).
   * Returns the gas to send it with.
   */
  async simulate(wallet: string, data: string): Promise<bigint> {
    const { chain, decoder, signerAddress } = this.deps;
    const result = await chain.call({ from: signerAddress, to: wallet, data });
    if (result.reverted) {
      const decoded = decoder.decode(result.data);
      throw new ExecutionRevertedError(
        `the wallet would refuse it: ${decoder.describe(decoded)}`,
        decoded,
      );
    }
    const estimate = await chain.estimateGas({ from: signerAddress, to: wallet, data });
    const gas = (estimate * 13n) / 10n + 30_000n;
    if (gas > MAX_ACTION_GAS)
      throw new ExecutionRevertedError(
        `the action needs ${gas} gas, above the relayer's ${MAX_ACTION_GAS}`,
      );
    return gas;
  }

  /** Simulates then sends `data` to the wallet from the relayer's signer; returns the transaction hash. */
  async send(wallet: string, data: string): Promise<string> {
    await this.deps.leashWallets.assert(wallet);
    const gasLimit = await this.simulate(wallet, data);
    return this.deps.bundler.submitCall({ to: wallet, data, gasLimit });
  }

  /** Looks at one proposal and takes the next step if it is due; safe to call any time, any number of times. */
  process(wallet: string, id: bigint): Promise<void> {
    const key = `${wallet}:${id}`;
    const previous = this.busy.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.step(wallet, id))
      .catch((error: unknown) =>
        this.log.warn("approval step failed", { wallet, id: id.toString(), error }),
      )
      .finally(() => {
        if (this.busy.get(key) === next) this.busy.delete(key);
      });
    this.busy.set(key, next);
    return next;
  }

  private async step(wallet: string, id: bigint): Promise<void> {
    const { store } = this.deps;
    const [p, now] = await Promise.all([this.proposal(wallet, id), this.now()]);
    if (p.state === PENDING) {
      if (now > p.expiresAt) return;
      const stored = await store.approvals(wallet, id);
      const approvedOnChain = await Promise.all(
        p.owners.map((o) => this.read<boolean>(wallet, "hasApproved", [id, o])),
      );
      const candidates = stored.filter(
        (a) =>
          p.owners.includes(a.owner) &&
          !approvedOnChain[p.owners.indexOf(a.owner)] &&
          a.deadline === p.expiresAt,
      );
      // Too few even if every one is valid: nothing to simulate (the usual case while approvals trickle in).
      if (candidates.length === 0 || p.approvals + BigInt(candidates.length) < p.threshold) return;
      // Each one checked by the wallet again: a signature stored before an owner or guardian was added or
      // removed names an ended signature epoch and would make the whole submission revert.
      const valid = await Promise.all(candidates.map((a) => this.accepted(wallet, id, p, a)));
      const fresh = candidates.filter((_, i) => valid[i]);
      if (fresh.length === 0 || p.approvals + BigInt(fresh.length) < p.threshold) return;
      const data = walletInterface.encodeFunctionData("approveWithSignatures", [
        id,
        approvalNonce(wallet, id),
        p.expiresAt,
        packOwnerSignatures(fresh.map((a) => ({ signer: a.owner, signature: a.signature }))),
      ]);
      await this.take(wallet, id, "approve", data);
      return;
    }
    if (p.state === QUEUED) {
      if (now < p.eta || now > p.eta + GRACE_PERIOD) return;
      await this.take(wallet, id, "execute", walletInterface.encodeFunctionData("execute", [id]));
      return;
    }
    // Executed, cancelled: nothing left to do for it.
    if (await store.claimAction(wallet, id, "execute", Date.now()))
      await store.setAction(wallet, id, "execute", { status: "done" }, Date.now());
  }

  private async take(
    wallet: string,
    id: bigint,
    action: ProposalAction,
    data: string,
  ): Promise<void> {
    const { store } = this.deps;
    const now = Date.now();
    if (!(await store.claimAction(wallet, id, action, now))) {
      const record = await store.action(wallet, id, action);
      // Claimed before: by us before a crash, or sent and lost. The chain still shows it due, so it is safe
      // to try again once the earlier attempt had time to land (simulation refuses a duplicate).
      if (!record || now - record.updatedAt < RESEND_AFTER_MS) return;
      await store.setAction(wallet, id, action, { status: "sending" }, now);
    }
    try {
      const txHash = await this.send(wallet, data);
      await store.setAction(wallet, id, action, { status: "sent", txHash }, Date.now());
      this.log.info("proposal action sent", { wallet, id: id.toString(), action, tx: txHash });
    } catch (error) {
      await store.setAction(
        wallet,
        id,
        action,
        { status: "failed", reason: (error as Error).message.slice(0, 300) },
        Date.now(),
      );
      throw error;
    }
  }

  /** Verifies one owner's approval against the wallet (simulated alone) and stores it. */
  async postApproval(input: {
    wallet: string;
    proposalId: bigint;
    owner: string;
    signature: string;
  }): Promise<ProposalView> {
    const wallet = getAddress(input.wallet);
    const owner = getAddress(input.owner);
    // Refused before anything is stored: the approval could only ever be submitted to a Leash wallet.
    await this.deps.leashWallets.assert(wallet);
    const p = await this.proposal(wallet, input.proposalId);
    if (p.state !== PENDING)
      throw new InvalidParamsError(`proposal ${input.proposalId} is not pending approvals`);
    if (!p.owners.includes(owner))
      throw new InvalidParamsError(`${owner} is not an owner of ${wallet}`);
    const data = walletInterface.encodeFunctionData("approveWithSignatures", [
      input.proposalId,
      approvalNonce(wallet, input.proposalId),
      p.expiresAt,
      packOwnerSignatures([{ signer: owner, signature: input.signature }]),
    ]);
    const check = await this.deps.chain.call({ from: this.deps.signerAddress, to: wallet, data });
    if (check.reverted) {
      const decoded = this.deps.decoder.decode(check.data);
      throw new InvalidParamsError(
        `approval refused by the wallet: ${this.deps.decoder.describe(decoded)}`,
        decoded,
      );
    }
    await this.deps.store.putApproval({
      wallet,
      proposalId: input.proposalId,
      owner,
      deadline: p.expiresAt,
      signature: input.signature,
      createdAt: Date.now(),
    });
    await this.process(wallet, input.proposalId);
    return p;
  }

  /** Whether the wallet accepts `approval` alone now (simulated; nothing is sent). */
  private async accepted(
    wallet: string,
    id: bigint,
    p: ProposalView,
    approval: { owner: string; signature: string },
  ): Promise<boolean> {
    const data = walletInterface.encodeFunctionData("approveWithSignatures", [
      id,
      approvalNonce(wallet, id),
      p.expiresAt,
      packOwnerSignatures([{ signer: approval.owner, signature: approval.signature }]),
    ]);
    const check = await this.deps.chain.call({ from: this.deps.signerAddress, to: wallet, data });
    return !check.reverted;
  }

  /** Takes back an owner's stored approval if the relayer has not submitted it yet. */
  async withdraw(wallet: string, id: bigint, owner: string): Promise<boolean> {
    return this.deps.store.withdrawApproval(wallet, id, owner, Date.now());
  }

  /** Who approved the proposal on chain, who through the relayer (not yet submitted), what the relayer did. */
  async listApprovals(wallet: string, id: bigint) {
    const p = await this.proposal(wallet, id);
    const onChain = await Promise.all(
      p.owners.map((o) => this.read<boolean>(wallet, "hasApproved", [id, o])),
    );
    const approvedOnChain = p.owners.filter((_, i) => onChain[i]);
    const stored = (await this.deps.store.approvals(wallet, id)).filter(
      (a) => !approvedOnChain.includes(a.owner),
    );
    // An approval counts only while the wallet would accept it (an owner's, in the current signature epoch).
    const counts = await Promise.all(
      stored.map((a) =>
        p.state === PENDING && p.owners.includes(a.owner)
          ? this.accepted(wallet, id, p, a)
          : Promise.resolve(p.owners.includes(a.owner)),
      ),
    );
    const [approve, execute] = await Promise.all([
      this.deps.store.action(wallet, id, "approve"),
      this.deps.store.action(wallet, id, "execute"),
    ]);
    return {
      state: ["none", "pending", "queued", "executed", "cancelled"][p.state] ?? "none",
      threshold: p.threshold.toString(),
      approvedOnChain,
      approvedAtRelayer: stored.map((a, i) => ({
        owner: a.owner,
        postedAt: a.createdAt,
        counts: counts[i],
      })),
      actions: { approve, execute },
    };
  }
}
