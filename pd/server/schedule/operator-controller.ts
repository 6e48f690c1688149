import { assert } from '../../../common/assert.js';
import type * as pdpb from '../../../proto/gen/pdpb.js';
import type { ClusterView, RegionInfo, ScheduleConfig } from '../cluster/types.js';
import { scheduleLimits } from './limits.js';
import type { Operator } from './operator.js';
import type { OperatorTracker } from './schedule-context.js';
import { compareBigints } from './compare.js';

export type AddOperatorResult = { readonly added: true } | { readonly added: false; readonly reason: string };

export interface OperatorControllerOptions {
  /** Read at every decision, so a configuration change takes effect at once. */
  readonly config: () => ScheduleConfig;
  /** Ended operators kept for listing; defaults to scheduleLimits.operatorHistoryEntries. */
  readonly historyEntries?: number;
}

/**
 * Holds the operators in flight: at most one per region, at most
 * `storeLimitOperators` touching any one store. The region heartbeat handler calls
 * `onRegionHeartbeat` with each heartbeat and sends back whatever it returns; that is
 * the only way operators advance. Ended operators move to a bounded history.
 */
export class OperatorController implements OperatorTracker {
  private readonly config: () => ScheduleConfig;
  private readonly historyEntries: number;
  /** Invariant: every operator here is running, and keyed by its own regionId. */
  private readonly running = new Map<bigint, Operator>();
  /** Invariant: length <= historyEntries; oldest first; every operator here has ended. */
  private readonly ended: Operator[] = [];
  private revisionValue = 0;

  constructor(options: OperatorControllerOptions) {
    this.config = options.config;
    this.historyEntries = options.historyEntries ?? scheduleLimits.operatorHistoryEntries;
    assert(this.historyEntries > 0, 'history must hold at least one operator');
  }

  get revision(): number {
    return this.revisionValue;
  }

  getOperator(regionId: bigint): Operator | undefined {
    return this.running.get(regionId);
  }

  /** The operators in flight, by region ID. */
  operators(): readonly Operator[] {
    return [...this.running.values()].sort((first, second) => compareBigints(first.regionId, second.regionId));
  }

  /** Ended operators, oldest first. */
  history(): readonly Operator[] {
    return [...this.ended];
  }

  /** How many operators in flight touch the store. */
  storeOperatorCount(storeId: bigint): number {
    let count = 0;
    for (const operator of this.running.values()) if (operator.storeIds().includes(storeId)) count++;
    return count;
  }

  storeHasCapacity(storeId: bigint): boolean {
    return this.storeOperatorCount(storeId) < this.config().storeLimitOperators;
  }

  addOperator(operator: Operator, nowMs: number): AddOperatorResult {
    return this.addOperators([operator], nowMs);
  }

  /**
   * Adds operators that only make sense together (a merge's two halves): all are
   * added or none. An operator replaces one already on its region only if it has a
   * higher priority.
   */
  addOperators(operators: readonly Operator[], nowMs: number): AddOperatorResult {
    const regionIds = new Set<bigint>();
    const replaced: Operator[] = [];
    for (const operator of operators) {
      if (operator.status !== 'created') return { added: false, reason: `operator is already ${operator.status}` };
      if (regionIds.has(operator.regionId)) return { added: false, reason: `two operators for region ${operator.regionId}` };
      regionIds.add(operator.regionId);
      const existing = this.running.get(operator.regionId);
      if (existing !== undefined) {
        if (existing.priority >= operator.priority) {
          return { added: false, reason: `region ${operator.regionId} already has operator ${existing.description}` };
        }
        replaced.push(existing);
      }
    }

    // Count what each store would carry with the new operators in place of the replaced ones.
    const limit = this.config().storeLimitOperators;
    const counts = new Map<bigint, number>();
    for (const operator of this.running.values()) {
      if (replaced.includes(operator)) continue;
      for (const storeId of operator.storeIds()) counts.set(storeId, (counts.get(storeId) ?? 0) + 1);
    }
    for (const operator of operators) {
      for (const storeId of operator.storeIds()) {
        const count = (counts.get(storeId) ?? 0) + 1;
        if (count > limit) return { added: false, reason: `store ${storeId} has reached its limit of ${limit} operators` };
        counts.set(storeId, count);
      }
    }

    for (const operator of replaced) {
      operator.cancel(nowMs, 'replaced by a higher-priority operator', 'replaced');
      this.retire(operator);
    }
    for (const operator of operators) {
      operator.start(nowMs);
      this.running.set(operator.regionId, operator);
    }
    this.revisionValue++;
    return { added: true };
  }

  /**
   * Advances the region's operator by what the heartbeat shows, judged against the
   * cluster as `view` shows it now, and returns the command to send back to the leader
   * (undefined: nothing to send now).
   */
  onRegionHeartbeat(region: RegionInfo, view: ClusterView): pdpb.RegionHeartbeatResponse | undefined {
    const operator = this.running.get(region.meta.id);
    if (operator === undefined) return undefined;
    const nowMs = view.nowMs;
    const stepIndexBefore = operator.currentStepIndex;
    const progress = operator.checkProgress(region, view);
    if (operator.currentStepIndex !== stepIndexBefore) this.revisionValue++;
    switch (progress.type) {
      case 'running':
        return progress.command;
      case 'finished':
      case 'timedOut':
      case 'cancelled':
        this.finish(operator, nowMs);
        return undefined;
    }
  }

  /**
   * The cluster dropped the region (merged away, or replaced by newer regions). A
   * merge's source disappearing is how its merge succeeds; anything else is cancelled.
   */
  onRegionRemoved(regionId: bigint, nowMs: number): void {
    const operator = this.running.get(regionId);
    if (operator === undefined) return;
    const step = operator.currentStep();
    if (step !== undefined && step.type === 'mergeRegion' && !step.passive) {
      operator.markSucceeded(nowMs, `region ${regionId} merged away`);
    } else {
      operator.cancel(nowMs, `region ${regionId} no longer exists`);
    }
    this.finish(operator, nowMs);
  }

  /** Cancels the region's operator (an administrator's request); false if there was none. */
  cancelOperator(regionId: bigint, nowMs: number, reason: string): boolean {
    const operator = this.running.get(regionId);
    if (operator === undefined) return false;
    operator.cancel(nowMs, reason);
    this.finish(operator, nowMs);
    return true;
  }

  /**
   * Ends operators whose current step outlived its timeout, for regions whose leader has
   * stopped heartbeating. Returns the operators it ended.
   */
  sweepTimedOut(nowMs: number): Operator[] {
    const timedOut: Operator[] = [];
    for (const operator of [...this.running.values()]) {
      if (operator.isEnded()) continue;
      if (operator.maybeTimeOut(nowMs)) {
        timedOut.push(operator);
        this.finish(operator, nowMs);
      }
    }
    return timedOut;
  }

  /**
   * Retires an ended operator, and settles its merge partner: the passive operator on
   * the target seeing the merge means the source's merge succeeded; a merge half that
   * failed frees the other half.
   */
  private finish(operator: Operator, nowMs: number): void {
    assert(operator.isEnded(), 'only ended operators are retired');
    if (this.running.get(operator.regionId) !== operator) return;
    this.retire(operator);
    this.revisionValue++;
    const mergeStep = operator.steps.find((step) => step.type === 'mergeRegion');
    if (mergeStep === undefined) return;
    const partnerRegionId = mergeStep.passive ? mergeStep.source.id : mergeStep.target.id;
    const partner = this.running.get(partnerRegionId);
    if (partner === undefined || !partner.steps.some((step) => step.type === 'mergeRegion' && step.passive !== mergeStep.passive)) return;
    if (operator.status === 'success' && mergeStep.passive) {
      partner.markSucceeded(nowMs, `region ${mergeStep.target.id} absorbed region ${mergeStep.source.id}`);
    } else if (operator.status !== 'success') {
      partner.cancel(nowMs, `the other half of the merge ended: ${operator.status}`);
    } else {
      return;
    }
    this.finish(partner, nowMs);
  }

  private retire(operator: Operator): void {
    this.running.delete(operator.regionId);
    this.ended.push(operator);
    if (this.ended.length > this.historyEntries) this.ended.splice(0, this.ended.length - this.historyEntries);
  }
}
