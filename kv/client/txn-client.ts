import type * as dagpb from '../../proto/gen/dagpb.js';
import type * as metapb from '../../proto/gen/metapb.js';
import { collectCoprocessor, type CopRequestOptions, type CopResult, sendCoprocessor } from './coprocessor.js';
import { RegionClient, type RegionClientOptions } from './region-client.js';
import { composeTimestamp, physicalMsOf } from '../../common/ids.js';
import { Committer } from './txn/committer.js';
import { type GcRound, runGcRound } from './txn/gc.js';
import { LockResolver } from './txn/lock-resolver.js';
import { Snapshot } from './txn/snapshot.js';
import { Transaction, type TransactionOptions } from './txn/transaction.js';

export interface TxnClientOptions extends RegionClientOptions {
  /** Told of failures in background work (committing secondaries, heartbeats, cleanup); they never reach the caller. */
  readonly onBackgroundError?: (error: unknown) => void;
}

/**
 * Transactions over the cluster (TiKV's txnkv): snapshot isolation with Percolator
 * two-phase commit, timestamps from PD. Also read-only snapshots at any timestamp,
 * for stale reads. Transactional keys are separate from raw keys.
 */
export class TxnClient {
  private readonly client: RegionClient;
  private readonly resolver: LockResolver;
  private readonly committer: Committer;

  private constructor(client: RegionClient, options: TxnClientOptions) {
    this.client = client;
    this.resolver = new LockResolver(client);
    this.committer = new Committer(client, this.resolver, options.onBackgroundError);
  }

  /** Connects through PD (`host:port`, one or several, or comma-separated). */
  static async connect(pdEndpoints: string | readonly string[], options: TxnClientOptions = {}): Promise<TxnClient> {
    return new TxnClient(await RegionClient.connect(pdEndpoints, options), options);
  }

  /** Starts a transaction at a fresh timestamp (optimistic unless `pessimistic`). */
  async begin(options: TransactionOptions = {}): Promise<Transaction> {
    const startTs = await this.client.pd.getTimestamp();
    return new Transaction(new Snapshot(this.client, this.resolver, startTs), this.committer, { client: this.client, resolver: this.resolver }, options);
  }

  /** A read-only view at `ts` (a fresh timestamp when absent). */
  async snapshot(ts?: bigint): Promise<Snapshot> {
    return new Snapshot(this.client, this.resolver, ts ?? (await this.client.pd.getTimestamp()));
  }

  /**
   * Pushes a DAG (scan, filter, aggregate, TopN, limit, projection) down to every region
   * the ranges touch and streams back each region's results (see sendCoprocessor). Build
   * the DAG with DagBuilder; read the chunks with the DAG's output types.
   */
  coprocessor(dag: dagpb.DAGRequest, options: CopRequestOptions): AsyncGenerator<CopResult> {
    return sendCoprocessor(this.client, this.resolver, dag, options);
  }

  /** Every result of a coprocessor request, in key order. */
  coprocessorAll(dag: dagpb.DAGRequest, options: CopRequestOptions): Promise<CopResult[]> {
    return collectCoprocessor(this.client, this.resolver, dag, options);
  }

  /** Splits the regions holding these (transactional) keys at them; answers the regions made. */
  splitRegions(splitKeys: readonly Uint8Array[]): Promise<metapb.Region[]> {
    return this.client.splitRegions(splitKeys, { raw: false });
  }

  /**
   * One garbage-collection round to `safePoint`: settles older locks, advances PD's safe
   * point, and has every region drop the versions no read at or after it can see.
   * Reads below the safe point are not possible afterwards.
   */
  gc(safePoint: bigint): Promise<GcRound> {
    return runGcRound(this.client, this.resolver, safePoint);
  }

  /**
   * Runs `gc` every `intervalMs` with the safe point `lifeTimeMs` behind now (TiDB's
   * tikv_gc_life_time, 10 min by default). Returns a function that stops it.
   */
  startGcWorker(options: { intervalMs?: number; lifeTimeMs?: number; onError?: (error: unknown) => void } = {}): () => void {
    const lifeTimeMs = BigInt(options.lifeTimeMs ?? 10 * 60_000);
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.client.pd
        .getTimestamp()
        .then((now) => this.gc(composeTimestamp(physicalMsOf(now) - lifeTimeMs, 0n)))
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => {
          running = false;
        });
    }, options.intervalMs ?? 10 * 60_000);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** A fresh timestamp from PD. */
  currentTimestamp(): Promise<bigint> {
    return this.client.pd.getTimestamp();
  }

  close(): void {
    this.client.close();
  }
}
