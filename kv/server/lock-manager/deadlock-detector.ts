import { credentials, Metadata, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import * as deadlockpb from '../../../proto/gen/deadlock.js';
import { WaitForGraph, type DeadlockFound, type WaitForEdge } from './wait-for-graph.js';

/** Where a lock manager asks whether waiting would close a cycle. */
export interface DeadlockDetector {
  /** Records that `edge.txn` waits for `edge.waitForTxn`, or answers the deadlock that would make. */
  detect(edge: WaitForEdge, ttlMs: number): Promise<DeadlockFound | undefined>;
  /** `txn` stopped waiting for `waitForTxn` on the key hashed `keyHash`. Best effort: a lost clean-up expires. */
  cleanUpWaitFor(txn: bigint, waitForTxn: bigint, keyHash: bigint): void;
}

/** The detector in this process (a single store, or the store that is the detector). */
export class LocalDeadlockDetector implements DeadlockDetector {
  constructor(readonly graph: WaitForGraph = new WaitForGraph()) {}

  async detect(edge: WaitForEdge, ttlMs: number): Promise<DeadlockFound | undefined> {
    return this.graph.detect(edge, ttlMs);
  }

  cleanUpWaitFor(txn: bigint, waitForTxn: bigint, keyHash: bigint): void {
    this.graph.cleanUpWaitFor(txn, waitForTxn, keyHash);
  }
}

export interface ClusterDeadlockDetectorOptions {
  /** The graph this store keeps while it is the detector. */
  readonly graph: WaitForGraph;
  /** Whether this store is the detector now (it leads the region holding the empty key). */
  readonly isDetector: () => boolean;
  /** The address of the store that is the detector, asked of PD. */
  readonly detectorAddress: () => Promise<string | undefined>;
  readonly timeoutMs?: number;
}

/**
 * One detector for the whole cluster, as in TiKV: the store leading the first region
 * keeps the wait-for graph and every other store asks it over the `Deadlock` service,
 * so cycles through keys on different stores are found. When the detector cannot be
 * reached, detection answers "no deadlock": the waits still end at their timeouts.
 */
export class ClusterDeadlockDetector implements DeadlockDetector {
  private readonly options: ClusterDeadlockDetectorOptions;
  private remote: { address: string; client: deadlockpb.DeadlockClient } | undefined;
  private closed = false;

  constructor(options: ClusterDeadlockDetectorOptions) {
    this.options = options;
  }

  async detect(edge: WaitForEdge, ttlMs: number): Promise<DeadlockFound | undefined> {
    if (this.options.isDetector()) return this.options.graph.detect(edge, ttlMs);
    const response = await this.ask({ tp: deadlockpb.DeadlockRequestType.Detect, entry: entryOf(edge, ttlMs) });
    if (response === undefined || response.deadlockKeyHash === 0n) return undefined;
    return { deadlockKeyHash: response.deadlockKeyHash, waitChain: response.waitChain.map(edgeOf) };
  }

  cleanUpWaitFor(txn: bigint, waitForTxn: bigint, keyHash: bigint): void {
    if (this.options.isDetector()) return this.options.graph.cleanUpWaitFor(txn, waitForTxn, keyHash);
    void this.ask({ tp: deadlockpb.DeadlockRequestType.CleanUpWaitFor, entry: entryOf({ txn, waitForTxn, keyHash, key: new Uint8Array(0) }, 0) });
  }

  close(): void {
    this.closed = true;
    this.remote?.client.close();
    this.remote = undefined;
  }

  /** Asks the detector, finding it again once if the one known no longer is. */
  private async ask(request: deadlockpb.DeadlockRequest): Promise<deadlockpb.DeadlockResponse | undefined> {
    for (let attempt = 0; attempt < 2 && !this.closed; attempt++) {
      const client = await this.client(attempt > 0);
      if (client === undefined) return undefined;
      try {
        const response = await new Promise<deadlockpb.DeadlockResponse>((resolve, reject) =>
          client.detect(request, new Metadata(), { deadline: Date.now() + (this.options.timeoutMs ?? 2_000) }, (error, answer) => (error === null ? resolve(answer) : reject(error))),
        );
        if (!response.notDetector) return response;
      } catch {
        // Unreachable or gone: find the detector again.
      }
    }
    return undefined;
  }

  private async client(refresh: boolean): Promise<deadlockpb.DeadlockClient | undefined> {
    if (!refresh && this.remote !== undefined) return this.remote.client;
    const address = await this.options.detectorAddress().catch(() => undefined);
    if (address === undefined || this.closed) return undefined;
    if (this.remote?.address === address) return this.remote.client;
    this.remote?.client.close();
    this.remote = { address, client: new deadlockpb.DeadlockClient(address, credentials.createInsecure()) };
    return this.remote.client;
  }
}

/** The `Deadlock` service of a store: answers from its graph while it is the detector. */
export function deadlockService(graph: WaitForGraph, isDetector: () => boolean): deadlockpb.DeadlockServer {
  return {
    detect: (call: ServerUnaryCall<deadlockpb.DeadlockRequest, deadlockpb.DeadlockResponse>, callback: sendUnaryData<deadlockpb.DeadlockResponse>) => {
      const request = call.request;
      const entry = request.entry ?? deadlockpb.WaitForEntry.create();
      if (!isDetector()) return callback(null, deadlockpb.DeadlockResponse.create({ entry, notDetector: true }));
      switch (request.tp) {
        case deadlockpb.DeadlockRequestType.Detect: {
          const found = graph.detect(edgeOf(entry), Number(entry.ttlMs));
          return callback(null, deadlockpb.DeadlockResponse.create({ entry, ...(found === undefined ? {} : { deadlockKeyHash: found.deadlockKeyHash, waitChain: found.waitChain.map((edge) => entryOf(edge, 0)) }) }));
        }
        case deadlockpb.DeadlockRequestType.CleanUpWaitFor:
          graph.cleanUpWaitFor(entry.txn, entry.waitForTxn, entry.keyHash);
          return callback(null, deadlockpb.DeadlockResponse.create({ entry }));
        case deadlockpb.DeadlockRequestType.CleanUp:
          graph.cleanUp(entry.txn);
          return callback(null, deadlockpb.DeadlockResponse.create({ entry }));
        default:
          return callback(null, deadlockpb.DeadlockResponse.create({ entry }));
      }
    },
  };
}

function entryOf(edge: WaitForEdge, ttlMs: number): deadlockpb.WaitForEntry {
  return { txn: edge.txn, waitForTxn: edge.waitForTxn, keyHash: edge.keyHash, key: Buffer.from(edge.key), ttlMs: BigInt(Math.max(0, Math.round(ttlMs))) };
}

function edgeOf(entry: deadlockpb.WaitForEntry): WaitForEdge {
  return { txn: entry.txn, waitForTxn: entry.waitForTxn, keyHash: entry.keyHash, key: entry.key };
}

/** FNV-1a, 64 bits: names a key in the wait-for graph (never 0, which means "no deadlock"). */
export function keyHash(key: Uint8Array): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of key) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return hash === 0n ? 1n : hash;
}
