import { assert } from '../../../common/assert.js';
import type * as metapb from '../../../proto/gen/metapb.js';
import type * as pdpb from '../../../proto/gen/pdpb.js';
import type { ClusterView, RegionInfo } from '../cluster/types.js';
import {
  describeStep,
  isStepFinished,
  stepCommand,
  stepConfVerChange,
  stepStaleReason,
  stepStoreIds,
  stepTimeoutMs,
  type OperatorStep,
} from './operator-step.js';
import { epochOf } from './region-peers.js';

/** What created an operator, as PD's operator kinds name it. */
export type OperatorKind = 'replica' | 'leader' | 'region' | 'merge' | 'split' | 'admin';

/** A higher priority replaces a lower one on the same region. */
export const OperatorPriority = { low: 0, normal: 1, high: 2, urgent: 3 } as const;
export type OperatorPriority = (typeof OperatorPriority)[keyof typeof OperatorPriority];

export function priorityName(priority: OperatorPriority): string {
  switch (priority) {
    case OperatorPriority.low:
      return 'low';
    case OperatorPriority.normal:
      return 'normal';
    case OperatorPriority.high:
      return 'high';
    case OperatorPriority.urgent:
      return 'urgent';
  }
}

/**
 * created: built, not yet accepted by the controller; running: accepted, steps in
 * flight; the rest are final.
 */
export type OperatorStatus = 'created' | 'running' | 'success' | 'timeout' | 'cancelled' | 'replaced';

/** What `checkProgress` decided from one heartbeat. */
export type OperatorProgress =
  | {
      readonly type: 'running';
      readonly stepIndex: number;
      readonly step: OperatorStep;
      /** The response to send the leader, or undefined when the step only needs waiting. */
      readonly command: pdpb.RegionHeartbeatResponse | undefined;
    }
  | { readonly type: 'finished' }
  | { readonly type: 'timedOut'; readonly stepIndex: number; readonly step: OperatorStep }
  | { readonly type: 'cancelled'; readonly reason: string };

export interface OperatorOptions {
  readonly regionId: bigint;
  /** The region's epoch when the operator was planned. */
  readonly regionEpoch: metapb.RegionEpoch;
  readonly kind: OperatorKind;
  /** What the operator is for, e.g. 'replace-down-replica' or 'balance-leader'. */
  readonly description: string;
  readonly priority: OperatorPriority;
  readonly steps: readonly OperatorStep[];
  readonly createdAtMs: number;
  /** The timeout of a fast step; slow steps get a multiple (see stepTimeoutMs). */
  readonly fastStepTimeoutMs: number;
  /** Explicit per-step timeouts, overriding the ones derived from fastStepTimeoutMs. */
  readonly stepTimeoutsMs?: readonly number[];
  /** The region's approximate size when planned, for estimating the operator's influence. */
  readonly regionSizeBytes: bigint;
}

/** A plain, JSON-safe description of an operator, for listings and the HTTP API. */
export interface OperatorSummary {
  readonly regionId: string;
  readonly regionEpoch: { readonly confVer: string; readonly version: string };
  readonly kind: OperatorKind;
  readonly description: string;
  readonly priority: string;
  readonly status: OperatorStatus;
  readonly steps: readonly string[];
  readonly currentStepIndex: number;
  readonly createdAtMs: number;
  readonly endedAtMs: number | undefined;
  readonly endReason: string | undefined;
}

/**
 * A plan to change one region, as an ordered list of steps, and how far it has got.
 * It is advanced only by `checkProgress` with the region's latest heartbeat, so it
 * needs no clock or I/O of its own.
 */
export class Operator {
  readonly regionId: bigint;
  readonly regionEpoch: metapb.RegionEpoch;
  readonly kind: OperatorKind;
  readonly description: string;
  readonly priority: OperatorPriority;
  readonly steps: readonly OperatorStep[];
  readonly createdAtMs: number;
  readonly regionSizeBytes: bigint;
  /** Invariant: stepTimeoutsMs.length === steps.length, every entry positive. */
  readonly stepTimeoutsMs: readonly number[];

  /** Invariant: 0 <= currentStepIndexValue <= steps.length; steps before it are done. */
  private currentStepIndexValue = 0;
  /** When the current step began: the operator's start, or when the previous step finished. */
  private stepStartedAtMs: number;
  private statusValue: OperatorStatus = 'created';
  private endedAtMsValue: number | undefined;
  private endReasonValue: string | undefined;

  constructor(options: OperatorOptions) {
    assert(options.steps.length > 0, 'an operator needs at least one step');
    assert(options.fastStepTimeoutMs > 0, 'step timeout must be positive');
    this.regionId = options.regionId;
    this.regionEpoch = { ...options.regionEpoch };
    this.kind = options.kind;
    this.description = options.description;
    this.priority = options.priority;
    this.steps = [...options.steps];
    this.createdAtMs = options.createdAtMs;
    this.regionSizeBytes = options.regionSizeBytes;
    this.stepTimeoutsMs = options.stepTimeoutsMs === undefined ? this.steps.map((step) => stepTimeoutMs(step, options.fastStepTimeoutMs)) : [...options.stepTimeoutsMs];
    assert(this.stepTimeoutsMs.length === this.steps.length, 'one timeout per step');
    assert(this.stepTimeoutsMs.every((timeoutMs) => timeoutMs > 0), 'step timeouts must be positive');
    this.stepStartedAtMs = options.createdAtMs;
  }

  get status(): OperatorStatus {
    return this.statusValue;
  }

  get currentStepIndex(): number {
    return this.currentStepIndexValue;
  }

  get endedAtMs(): number | undefined {
    return this.endedAtMsValue;
  }

  get endReason(): string | undefined {
    return this.endReasonValue;
  }

  isEnded(): boolean {
    return this.statusValue !== 'created' && this.statusValue !== 'running';
  }

  /** The step in flight, or undefined once all are done or the operator ended. */
  currentStep(): OperatorStep | undefined {
    return this.isEnded() ? undefined : this.steps[this.currentStepIndexValue];
  }

  /** The steps not yet confirmed by a heartbeat. */
  remainingSteps(): readonly OperatorStep[] {
    return this.isEnded() ? [] : this.steps.slice(this.currentStepIndexValue);
  }

  /** The stores any step of this operator touches, each once. */
  storeIds(): bigint[] {
    const seen = new Set<bigint>();
    for (const step of this.steps) for (const storeId of stepStoreIds(step)) seen.add(storeId);
    return [...seen];
  }

  /** The controller accepted the operator: the first step's timeout runs from now. */
  start(nowMs: number): void {
    assert(this.statusValue === 'created', `cannot start an operator that is ${this.statusValue}`);
    this.statusValue = 'running';
    this.stepStartedAtMs = nowMs;
  }

  /** Ends the operator without it having finished (cancelled by a user or replaced). */
  cancel(nowMs: number, reason: string, status: 'cancelled' | 'replaced' = 'cancelled'): void {
    if (this.isEnded()) return;
    this.end(status, nowMs, reason);
  }

  /** Marks the operator done from outside (a merge's source region vanished as planned). */
  markSucceeded(nowMs: number, reason: string): void {
    if (this.isEnded()) return;
    this.currentStepIndexValue = this.steps.length;
    this.end('success', nowMs, reason);
  }

  /** Ends the operator if its current step has been in flight too long, without a heartbeat. */
  maybeTimeOut(nowMs: number): boolean {
    if (this.isEnded()) return false;
    const timeoutMs = this.stepTimeoutsMs[this.currentStepIndexValue];
    assert(timeoutMs !== undefined);
    if (nowMs - this.stepStartedAtMs <= timeoutMs) return false;
    this.end('timeout', nowMs, `step ${this.currentStepIndexValue} (${describeStep(this.steps[this.currentStepIndexValue]!)}) timed out`);
    return true;
  }

  /**
   * Reads the region's latest heartbeat: skips over the steps it shows done, and
   * decides whether the operator finished, went stale, timed out, or what to send next.
   * `view` is the cluster as PD sees it at the heartbeat (its clock and its stores).
   */
  checkProgress(region: RegionInfo, view: ClusterView): OperatorProgress {
    assert(region.meta.id === this.regionId, `operator for region ${this.regionId} got region ${region.meta.id}`);
    const nowMs = view.nowMs;
    if (this.statusValue === 'created') this.start(nowMs);
    if (this.isEnded()) return this.endedProgress();

    while (this.currentStepIndexValue < this.steps.length && isStepFinished(this.steps[this.currentStepIndexValue]!, region)) {
      this.currentStepIndexValue++;
      this.stepStartedAtMs = nowMs;
    }
    if (this.currentStepIndexValue === this.steps.length) {
      this.end('success', nowMs, undefined);
      return { type: 'finished' };
    }

    const stepIndex = this.currentStepIndexValue;
    const step = this.steps[stepIndex]!;
    const staleReason = stepStaleReason(step, region, view) ?? this.confVerStaleReason(step, region);
    if (staleReason !== undefined) {
      this.end('cancelled', nowMs, staleReason);
      return { type: 'cancelled', reason: staleReason };
    }
    if (this.maybeTimeOut(nowMs)) return { type: 'timedOut', stepIndex, step };

    const command = stepCommand(step, region);
    return {
      type: 'running',
      stepIndex,
      step,
      command:
        command === undefined
          ? undefined
          : {
              ...command,
              regionId: this.regionId,
              // The leader checks the command against the epoch it has now, so a command
              // resent after it already applied is rejected rather than applied twice.
              regionEpoch: { ...epochOf(region.meta) },
              targetPeer: region.leader === undefined ? undefined : { ...region.leader },
            },
    };
  }

  summary(): OperatorSummary {
    return {
      regionId: this.regionId.toString(),
      regionEpoch: { confVer: this.regionEpoch.confVer.toString(), version: this.regionEpoch.version.toString() },
      kind: this.kind,
      description: this.description,
      priority: priorityName(this.priority),
      status: this.statusValue,
      steps: this.steps.map(describeStep),
      currentStepIndex: this.currentStepIndexValue,
      createdAtMs: this.createdAtMs,
      endedAtMs: this.endedAtMsValue,
      endReason: this.endReasonValue,
    };
  }

  toString(): string {
    return `${this.description} region ${this.regionId} [${this.steps.map(describeStep).join(', ')}] (${this.statusValue})`;
  }

  /**
   * The region's conf version may move only by the changes this operator's steps made
   * (the done ones and possibly the current one); anything more means someone else
   * changed the membership, and the rest of the plan may no longer make sense.
   */
  private confVerStaleReason(step: OperatorStep, region: RegionInfo): string | undefined {
    // Preparing a merge bumps the source's conf version on its own.
    if (step.type === 'mergeRegion') return undefined;
    const changed = epochOf(region.meta).confVer - this.regionEpoch.confVer;
    let explained = 0n;
    for (let index = 0; index <= this.currentStepIndexValue && index < this.steps.length; index++) {
      explained += stepConfVerChange(this.steps[index]!, region);
    }
    if (changed > explained) {
      return `region ${this.regionId} conf version moved by ${changed}, the operator explains ${explained}`;
    }
    return undefined;
  }

  private end(status: OperatorStatus, nowMs: number, reason: string | undefined): void {
    this.statusValue = status;
    this.endedAtMsValue = nowMs;
    this.endReasonValue = reason;
  }

  private endedProgress(): OperatorProgress {
    switch (this.statusValue) {
      case 'success':
        return { type: 'finished' };
      case 'timeout': {
        const stepIndex = Math.min(this.currentStepIndexValue, this.steps.length - 1);
        return { type: 'timedOut', stepIndex, step: this.steps[stepIndex]! };
      }
      default:
        return { type: 'cancelled', reason: this.endReasonValue ?? this.statusValue };
    }
  }
}
