import { assert } from '../../../common/assert.js';
import * as metapb from '../../../proto/gen/metapb.js';
import type { ClusterView, RegionInfo } from '../cluster/types.js';
import { balanceLeaderScheduler } from './balance-leader.js';
import { balanceRegionScheduler } from './balance-region.js';
import { compareBigints } from './compare.js';
import { scheduleLimits } from './limits.js';
import { checkMerge } from './merge-checker.js';
import { type Operator, OperatorPriority } from './operator.js';
import { createTransferLeaderOperator } from './operator-builder.js';
import type { OperatorController } from './operator-controller.js';
import { checkReplicas } from './replica-checker.js';
import { createScheduleContext, type AllocPeerId } from './schedule-context.js';
import type { Scheduler } from './scheduler.js';
import { epochOf } from './region-peers.js';

export interface CoordinatorOptions {
  readonly allocPeerId: AllocPeerId;
  /** Defaults to balance-leader then balance-region. */
  readonly schedulers?: readonly Scheduler[];
  /** Whether the merge checker runs (default true). */
  readonly mergeEnabled?: boolean;
  /**
   * How long a region must keep its key range (epoch version) before it may be merged;
   * PD's split-merge-interval, default one hour. Counted from when this coordinator
   * first saw the range, so a restarted PD waits a full interval too.
   */
  readonly splitMergeIntervalMs?: number;
  /** Regions checked per round; later rounds continue where one stopped. */
  readonly regionsCheckedPerRound?: number;
  /** Operators each scheduler may create per round. */
  readonly operatorsPerSchedulerPerRound?: number;
}

const defaultSplitMergeIntervalMs = 60 * 60 * 1000;

/**
 * Runs scheduling rounds: the checkers over (a window of) the regions, then each
 * enabled scheduler, adding every operator they propose to the controller, which
 * enforces one operator per region and the per-store limit. A round reads one cluster
 * snapshot and changes nothing but the controller; the PD service calls `scheduleOnce`
 * on a timer and delivers the operators through region heartbeats.
 */
export class Coordinator {
  private readonly controller: OperatorController;
  private readonly allocPeerId: AllocPeerId;
  private readonly schedulerList: readonly Scheduler[];
  private readonly disabledSchedulers = new Set<string>();
  private readonly mergeEnabled: boolean;
  private readonly splitMergeIntervalMs: number;
  private readonly regionsCheckedPerRound: number;
  private readonly operatorsPerSchedulerPerRound: number;
  /** Each region's epoch version and since when it has had it. Pruned to the current regions each round. */
  private regionShapeSince = new Map<bigint, { readonly version: bigint; readonly sinceMs: number }>();
  /** The last region ID the checkers visited; the next round starts after it. */
  private checkCursor: bigint | undefined;

  constructor(controller: OperatorController, options: CoordinatorOptions) {
    this.controller = controller;
    this.allocPeerId = options.allocPeerId;
    this.schedulerList = options.schedulers ?? [balanceLeaderScheduler, balanceRegionScheduler];
    this.mergeEnabled = options.mergeEnabled ?? true;
    this.splitMergeIntervalMs = options.splitMergeIntervalMs ?? defaultSplitMergeIntervalMs;
    this.regionsCheckedPerRound = options.regionsCheckedPerRound ?? scheduleLimits.regionsCheckedPerRound;
    this.operatorsPerSchedulerPerRound = options.operatorsPerSchedulerPerRound ?? scheduleLimits.operatorsPerSchedulerPerRound;
    assert(this.regionsCheckedPerRound > 0 && this.operatorsPerSchedulerPerRound > 0);
    assert(new Set(this.schedulerList.map((scheduler) => scheduler.name)).size === this.schedulerList.length, 'scheduler names must be unique');
  }

  /** The schedulers and whether each is enabled, for the HTTP API. */
  schedulers(): { readonly name: string; readonly enabled: boolean }[] {
    return this.schedulerList.map((scheduler) => ({ name: scheduler.name, enabled: !this.disabledSchedulers.has(scheduler.name) }));
  }

  /** Pauses or resumes a scheduler; false if no scheduler has that name. */
  setSchedulerEnabled(name: string, enabled: boolean): boolean {
    if (!this.schedulerList.some((scheduler) => scheduler.name === name)) return false;
    if (enabled) this.disabledSchedulers.delete(name);
    else this.disabledSchedulers.add(name);
    return true;
  }

  /**
   * An operator asked for by hand (the HTTP API): move the region's leadership to its
   * voter on `toStoreId`. Answers why not, when it cannot be added.
   */
  transferLeader(view: ClusterView, regionId: bigint, toStoreId: bigint): { readonly added: true; readonly operator: Operator } | { readonly added: false; readonly reason: string } {
    const region = view.getRegion(regionId);
    if (region === undefined) return { added: false, reason: `no region ${regionId}` };
    const target = region.meta.peers.find((peer) => peer.storeId === toStoreId);
    if (target === undefined || target.role !== metapb.PeerRole.Voter) return { added: false, reason: `region ${regionId} has no voter on store ${toStoreId}` };
    const from = region.leader?.storeId;
    if (from === undefined) return { added: false, reason: `region ${regionId} has no known leader` };
    if (from === toStoreId) return { added: false, reason: `store ${toStoreId} already leads region ${regionId}` };
    const context = createScheduleContext(view, this.controller, this.allocPeerId);
    const operator = createTransferLeaderOperator(context, region, from, toStoreId, { kind: 'leader', description: 'admin-transfer-leader', priority: OperatorPriority.high });
    if (!this.controller.addOperator(operator, view.nowMs).added) return { added: false, reason: `region ${regionId} has an operator in flight` };
    return { added: true, operator };
  }

  /** One scheduling round over the snapshot; returns the operators it added to the controller. */
  scheduleOnce(view: ClusterView): Operator[] {
    const nowMs = view.nowMs;
    this.controller.sweepTimedOut(nowMs);
    const context = createScheduleContext(view, this.controller, this.allocPeerId);
    const regions = [...view.regions()].sort((first, second) => compareBigints(first.meta.id, second.meta.id));
    this.trackRegionShapes(regions, nowMs);
    const created: Operator[] = [];
    const tryAdd = (operators: readonly Operator[]): boolean => {
      if (!this.controller.addOperators(operators, nowMs).added) return false;
      created.push(...operators);
      return true;
    };

    for (const region of this.regionsToCheck(regions)) {
      this.checkCursor = region.meta.id;
      const operator = checkReplicas(context, region);
      if (operator !== undefined) {
        tryAdd([operator]);
        continue;
      }
      if (this.mergeEnabled) {
        const merge = checkMerge(context, region, (candidate) => this.isSettled(candidate, nowMs));
        if (merge !== undefined) tryAdd(merge);
      }
    }

    for (const scheduler of this.schedulerList) {
      if (this.disabledSchedulers.has(scheduler.name)) continue;
      for (let count = 0; count < this.operatorsPerSchedulerPerRound; count++) {
        const operator = scheduler.schedule(context);
        if (operator === undefined || !tryAdd([operator])) break;
      }
    }
    return created;
  }

  /** Up to the per-round budget of regions, starting after the cursor and wrapping around. */
  private regionsToCheck(regions: readonly RegionInfo[]): RegionInfo[] {
    if (regions.length <= this.regionsCheckedPerRound) return [...regions];
    const cursor = this.checkCursor;
    let start = cursor === undefined ? 0 : regions.findIndex((region) => region.meta.id > cursor);
    if (start < 0) start = 0;
    const window: RegionInfo[] = [];
    for (let offset = 0; offset < this.regionsCheckedPerRound; offset++) window.push(regions[(start + offset) % regions.length]!);
    return window;
  }

  private trackRegionShapes(regions: readonly RegionInfo[], nowMs: number): void {
    const next = new Map<bigint, { readonly version: bigint; readonly sinceMs: number }>();
    for (const region of regions) {
      const version = epochOf(region.meta).version;
      const previous = this.regionShapeSince.get(region.meta.id);
      next.set(region.meta.id, previous !== undefined && previous.version === version ? previous : { version, sinceMs: nowMs });
    }
    this.regionShapeSince = next;
  }

  private isSettled(region: RegionInfo, nowMs: number): boolean {
    const shape = this.regionShapeSince.get(region.meta.id);
    return shape !== undefined && nowMs - shape.sinceMs >= this.splitMergeIntervalMs;
  }
}

/**
 * A single scheduling round without a long-lived coordinator. Merging is off unless
 * asked for, since one round cannot tell how long a region has kept its shape.
 */
export function scheduleOnce(
  view: ClusterView,
  controller: OperatorController,
  allocPeerId: AllocPeerId,
  options: Omit<CoordinatorOptions, 'allocPeerId'> = {},
): Operator[] {
  return new Coordinator(controller, { mergeEnabled: false, ...options, allocPeerId }).scheduleOnce(view);
}

