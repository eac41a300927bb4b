/** Wires the relayer together: `startRelayer(config)` returns `{ url, close() }`. */
import { getAddress } from "ethers";
import { AcceptSimulator } from "./acceptSimulation.js";
import { RateLimiter } from "./auth/rateLimiter.js";
import { ApprovalStore } from "./approvals/store.js";
import { OwnerActionService } from "./approvals/service.js";
import { knownImplementations, LeashWalletCheck } from "./approvals/leashWallets.js";
import { Bundler } from "./bundler.js";
import { NotifyService } from "./notify/service.js";
import { NotifyStore } from "./notify/store.js";
import { ChainClient, attemptsWithin } from "./chain.js";
import { type RelayerConfig, type RelayerConfigInput, resolveConfig } from "./config.js";
import { RevertDecoder } from "./decodeRevert.js";
import { createLogger } from "./logger.js";
import { RelayerMetrics } from "./metrics.js";
import { SenderReputation } from "./reputation.js";
import { RpcServer } from "./rpc/server.js";
import type { RelayerContext } from "./rpc/types.js";
import { loadSigner } from "./signer.js";
import { Simulator } from "./simulation.js";
import { openStore } from "./store/index.js";
import type { RelayerStore } from "./store/types.js";

export interface RunningRelayer {
  url: string;
  config: RelayerConfig;
  signerAddress: string;
  store: RelayerStore;
  close(): Promise<void>;
}

const BASE_FEE_CACHE_MS = 500;

export async function startRelayer(input: RelayerConfigInput): Promise<RunningRelayer> {
  const config = resolveConfig(input);
  const bootLogger = createLogger({ level: config.logLevel, sink: config.logSink });
  const entryPoint = getAddress(config.entryPoint.toLowerCase());

  const chain = new ChainClient({
    url: config.rpcUrl,
    timeoutMs: config.rpcTimeoutMs,
    retry: { attempts: 6, initialDelayMs: 100, maxDelayMs: 2_000 },
    logger: bootLogger.child({ component: "chain" }),
  });
  const requestChain = new ChainClient({
    url: config.rpcUrl,
    timeoutMs: Math.min(config.rpcTimeoutMs, 3_000),
    retry: { attempts: config.acceptRetryAttempts, initialDelayMs: 50, maxDelayMs: 200 },
    logger: bootLogger.child({ component: "chain" }),
  });

  // Startup waits for the node longer than later calls do: a relayer restarted alongside its node is normal.
  const chainId = await chain
    .request<string>("eth_chainId", [], {
      attempts: attemptsWithin(config.nodeStartupWaitMs, 100, 2_000),
      initialDelayMs: 100,
      maxDelayMs: 2_000,
    })
    .then(BigInt);
  const signer = await loadSigner(config.signer, chainId);
  // The lease owner must survive restarts (a restarted instance takes back its own leases at
  // once) and differ between instances: each instance has its own signer, so derive it from that.
  const instanceId = config.instanceId ?? `signer-${signer.address.toLowerCase()}`;
  const logger = bootLogger.child({ instance: instanceId });
  const log = logger.child({ component: "relayer" });
  const beneficiary = config.beneficiary
    ? getAddress(config.beneficiary.toLowerCase())
    : signer.address;
  const store = await openStore(config.db);
  const decoder = new RevertDecoder(config.walletErrorAbi);
  const reputation = new SenderReputation(config.reputation);
  const metrics = new RelayerMetrics({
    queueDepth: async () => {
      const counts = await store.countOpsByStatus();
      return counts.received + counts.submitted;
    },
    signerBalanceWei: () => requestChain.balance(signer.address),
    reputationCounts: () => reputation.counts(Date.now()),
  });

  const bundler = new Bundler({
    chain,
    store,
    signer,
    chainId,
    entryPoint,
    beneficiary,
    config: config.bundler,
    limits: config.limits,
    simulator: new Simulator(chain, entryPoint, signer.address, beneficiary, decoder),
    decoder,
    metrics,
    reputation,
    logger,
    instanceId,
  });

  const leashWallets = new LeashWalletCheck(
    chain,
    knownImplementations(config.walletImplementations),
  );
  if (leashWallets.accepted.length === 0)
    log.warn(
      "no Leash wallet implementation known: owners' and guardians' actions will be refused",
    );
  const approvalStore = await ApprovalStore.open(config.db);
  const ownerActions = new OwnerActionService({
    chain,
    chainId,
    bundler,
    store: approvalStore,
    decoder,
    logger,
    signerAddress: signer.address,
    leashWallets,
  });

  const notifyStore = await NotifyStore.open(config.db);
  const notify = new NotifyService({
    chain,
    chainId,
    store: notifyStore,
    logger,
    keyExpiryNoticeSeconds: config.keyExpiryNoticeSeconds,
  });

  // The request itself is cached, so a burst of ops arriving together shares one eth_getBlockByNumber.
  let cachedBaseFee: { value: Promise<bigint>; at: number } | null = null;
  const requestSimulator = new Simulator(
    requestChain,
    entryPoint,
    signer.address,
    beneficiary,
    decoder,
  );
  const ctx: RelayerContext = {
    config,
    chainId,
    entryPoint,
    signerAddress: signer.address,
    beneficiary,
    chain,
    requestChain,
    store,
    simulator: requestSimulator,
    acceptSimulator: new AcceptSimulator(
      requestSimulator,
      logger.child({ component: "accept-simulation" }),
    ),
    decoder,
    metrics,
    logger,
    bundler,
    senderRateLimiter: RateLimiter.create(
      "sender",
      config.rateLimits.perSender,
      store.sharedRateLimitPool(),
    ),
    reputation,
    ownerActions,
    notify,
    baseFee: async (options?: { fresh?: boolean }) => {
      if (!options?.fresh && cachedBaseFee && Date.now() - cachedBaseFee.at < BASE_FEE_CACHE_MS)
        return cachedBaseFee.value;
      const entry = { value: requestChain.latestBaseFee(), at: Date.now() };
      cachedBaseFee = entry;
      // A failed request is not remembered: the next op asks again.
      entry.value.catch(() => {
        if (cachedBaseFee === entry) cachedBaseFee = null;
      });
      return entry.value;
    },
  };

  try {
    await bundler.start();
    ownerActions.start();
    notify.start();
  } catch (error) {
    await notify.stop();
    await notifyStore.close();
    await approvalStore.close();
    await store.close();
    throw error;
  }
  const server = new RpcServer(
    ctx,
    RateLimiter.create("key", config.rateLimits.perKey, store.sharedRateLimitPool()),
  );
  const port = await server.listen(config.port, config.host);
  const url = `http://${config.host}:${port}/`;
  log.info("relayer started", {
    url,
    chainId: chainId.toString(),
    entryPoint,
    signer: signer.address,
    store: store.kind,
    leashImplementations: leashWallets.accepted,
  });

  let closing: Promise<void> | null = null;
  return {
    url,
    config,
    signerAddress: signer.address,
    store,
    close: () =>
      (closing ??= (async () => {
        log.info("shutting down");
        await server.close();
        await ownerActions.stop();
        await notify.stop();
        await bundler.stop();
        await approvalStore.close();
        await notifyStore.close();
        await store.close();
        log.info("stopped");
      })()),
  };
}
