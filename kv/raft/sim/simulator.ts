import { assert } from '../../../common/assert.js';
import { SeededRandom, seededRandomSource } from '../../../common/random.js';
import { ProposalDroppedError } from '../errors.js';
import type { RawNode } from '../raw-node.js';
import { MemoryStorage } from '../storage.js';
import { type ConfChange, ConfChangeType, type ConfState, type Message, MessageType, messageTypeName, Role, type Snapshot } from '../types.js';
import { InvariantChecker, InvariantRule, InvariantViolation } from './checker.js';
import { simulationLimits } from './limits.js';
import { SimNetwork } from './network.js';
import { drawScheduleConfig, type ScheduleConfig } from './schedule-config.js';
import {
  asciiBytes,
  bytesKey,
  describeConfChange,
  livenessPrefix,
  type NodeEnvironment,
  type ReadyCut,
  type SharedRaftOptions,
  SimNode,
  storageLogView,
} from './sim-node.js';
import { encodeStateMachine, StateMachine, type StateMachineImage } from './state-machine.js';
import { Trace } from './trace.js';

export interface SimulationOptions {
  readonly seed: number;
  /** Steps of the fault phase; the heal phase follows. */
  readonly steps?: number;
  /** Sees every trace event as it happens. */
  readonly onEvent?: (line: string) => void;
}

/** What a schedule did, to show that the faults and features were really exercised. */
export interface SimulationStats {
  proposals: number;
  proposalsDropped: number;
  readRequests: number;
  readStates: number;
  crashes: number;
  crashesMidReady: number;
  restarts: number;
  partitions: number;
  confChangesProposed: number;
  confChangesApplied: number;
  nodesRemoved: number;
  leaderTransfers: number;
  compactions: number;
  snapshotsSent: number;
  snapshotsInstalled: number;
  messagesDelivered: number;
  messagesLost: number;
  messagesDuplicated: number;
  leadersElected: number;
  maxCommittedIndex: number;
  /** Ticks the heal phase needed to elect a leader and commit a probe everywhere. */
  livenessTicks: number;
}

export interface SimulationResult {
  readonly seed: number;
  readonly config: ScheduleConfig;
  readonly violation: InvariantViolation | undefined;
  /** Where the violation happened: the fault-phase step, or the heal phase. */
  readonly failedAt: string | undefined;
  /** The hash of the whole event trace: equal for equal seeds. */
  readonly traceDigest: string;
  readonly eventCount: number;
  readonly recentEvents: readonly string[];
  readonly stats: SimulationStats;
}

/** Runs one seeded schedule: a fault phase, then a heal phase that checks liveness. */
export function runSimulation(options: SimulationOptions): SimulationResult {
  return new Simulation(options).run();
}

// Every initial member starts from this snapshot; a node added later starts empty and
// so must be brought up by a snapshot from the leader (as TiKV bootstraps regions).
const bootstrapIndex = 1;
const bootstrapTerm = 1;

/**
 * Relative weights of the fault phase's actions (fault actions are scaled by the
 * schedule's fault intensity). Deliveries dominate so that the cluster spends much of the
 * schedule with a working leader: faults are interesting only against progress.
 */
const actionWeights = {
  deliverPerPendingMessage: 12,
  deliverPendingCap: 8,
  deliverAll: 2,
  dropOne: 1.5,
  duplicateOne: 1,
  /** A clock tick on every live node... */
  tickAll: 14,
  /** ...and on one node: clocks drift apart. */
  tickOne: 6,
  propose: 10,
  readIndex: 3,
  campaign: 0.6,
  crash: 0.4,
  compact: 1,
  transferLeader: 0.4,
  changeMembership: 0.5,
  handleReady: 10,
  restart: 3,
  partition: 0.5,
  partitionMore: 0.1,
  healPartition: 0.6,
} as const;

type Weighted = readonly [weight: number, action: () => void];

type DeferredReport = { readonly node: SimNode; readonly kind: 'unreachable' | 'snapshot-finish' | 'snapshot-failure'; readonly target: number };

class Simulation {
  private readonly random: SeededRandom;
  private readonly config: ScheduleConfig;
  private readonly raftOptions: SharedRaftOptions;
  private readonly network = new SimNetwork(simulationLimits.maxPendingMessages);
  private readonly checker = new InvariantChecker();
  private readonly trace: Trace;
  private readonly nodes = new Map<number, SimNode>();
  private readonly environment: NodeEnvironment;
  private readonly removals: number[] = [];
  private readonly reports: DeferredReport[] = [];
  private nextNodeId = 1;
  private nextProposalId = 1;
  private nextReadId = 1;
  private nextConfChangeId = 1;
  private pendingConfChange: { readonly key: string; readonly step: number } | undefined;
  private stepNumber = 0;
  private healing = false;
  private clock = 's0';
  private readonly stats: SimulationStats = {
    proposals: 0,
    proposalsDropped: 0,
    readRequests: 0,
    readStates: 0,
    crashes: 0,
    crashesMidReady: 0,
    restarts: 0,
    partitions: 0,
    confChangesProposed: 0,
    confChangesApplied: 0,
    nodesRemoved: 0,
    leaderTransfers: 0,
    compactions: 0,
    snapshotsSent: 0,
    snapshotsInstalled: 0,
    messagesDelivered: 0,
    messagesLost: 0,
    messagesDuplicated: 0,
    leadersElected: 0,
    maxCommittedIndex: 0,
    livenessTicks: 0,
  };

  constructor(options: SimulationOptions) {
    this.random = new SeededRandom(options.seed);
    this.config = drawScheduleConfig(this.random, options.steps ?? simulationLimits.defaultFaultSteps);
    this.trace = new Trace(simulationLimits.recentEventCapacity, options.onEvent);
    this.raftOptions = {
      electionTick: this.config.electionTick,
      heartbeatTick: this.config.heartbeatTick,
      preVote: this.config.preVote,
      checkQuorum: this.config.checkQuorum,
      maxSizePerMessageBytes: this.config.maxSizePerMessageBytes,
      maxCommittedSizePerReadyBytes: this.config.maxCommittedSizePerReadyBytes,
      maxInflightMessages: this.config.maxInflightMessages,
      maxInflightBytes: this.config.maxInflightBytes,
      maxUncommittedEntriesSizeBytes: this.config.maxUncommittedEntriesSizeBytes,
      disableProposalForwarding: this.config.disableProposalForwarding,
      readOnlyOption: 'safe',
    };
    this.environment = {
      checker: this.checker,
      log: (line) => this.log(line),
      send: (message) => this.send(message),
      confChangeApplied: (change) => this.confChangeApplied(change),
    };
  }

  run(): SimulationResult {
    let violation: InvariantViolation | undefined;
    try {
      this.bootstrap();
      for (let step = 0; step < this.config.faultSteps; step++) {
        this.stepOnce();
        if (this.stepNumber % simulationLimits.fullLogCheckIntervalSteps === 0) this.checkAllLogs();
      }
      this.healAndCheckLiveness();
      this.checkAllLogs();
    } catch (error) {
      violation = asViolation(error, `the simulation at ${this.clock}`);
      this.log(`VIOLATION ${violation.message}`);
    }
    this.stats.maxCommittedIndex = this.checker.maxCommittedIndex;
    for (const node of this.nodes.values()) {
      this.stats.snapshotsInstalled += node.snapshotsInstalled;
      this.stats.readStates += node.readStatesReceived;
      this.stats.leadersElected += node.leadershipsObserved;
    }
    return {
      seed: this.random.seed,
      config: this.config,
      violation,
      failedAt: violation === undefined ? undefined : this.healing ? `heal phase (${this.clock})` : `step ${this.stepNumber}`,
      traceDigest: this.trace.digest(),
      eventCount: this.trace.eventCount,
      recentEvents: this.trace.recentEvents(),
      stats: this.stats,
    };
  }

  private log(line: string): void {
    this.trace.record(`${this.clock} ${line}`);
  }

  // --- cluster ---

  private bootstrap(): void {
    const voters: number[] = [];
    const learners: number[] = [];
    for (let count = 0; count < this.config.voterCount; count++) voters.push(this.nextNodeId++);
    for (let count = 0; count < this.config.learnerCount; count++) learners.push(this.nextNodeId++);
    const confState: ConfState = { voters, learners };
    const image: StateMachineImage = { appliedIndex: bootstrapIndex, appliedTerm: bootstrapTerm, records: [] };
    const snapshot: Snapshot = { data: encodeStateMachine(image), metadata: { index: bootstrapIndex, term: bootstrapTerm, confState } };
    this.log(`bootstrap voters [${voters}] learners [${learners}]`);
    for (const id of [...voters, ...learners]) {
      const storage = new MemoryStorage({ snapshot });
      const hardState = { term: bootstrapTerm, vote: 0, commit: bootstrapIndex };
      storage.setHardState(hardState);
      this.checker.observeHardState(id, hardState);
      this.checker.observeRestore(id, bootstrapIndex, bootstrapTerm, []);
      const node = new SimNode(id, storage, new StateMachine(image, confState), bootstrapIndex);
      this.nodes.set(id, node);
      this.startNode(node);
    }
  }

  private startNode(node: SimNode): void {
    try {
      node.start(this.raftOptions, seededRandomSource(this.random.nextUint32()), this.checker.maxCommittedIndex);
    } catch (error) {
      throw asViolation(error, `starting node ${node.id}`);
    }
    this.log(`start n${node.id} applied ${node.stateMachine.appliedIndex} first ${node.storage.firstIndex()} last ${node.storage.lastIndex()}`);
  }

  private aliveNodes(): SimNode[] {
    const alive: SimNode[] = [];
    for (const node of this.nodes.values()) if (node.alive) alive.push(node);
    return alive;
  }

  /** The configuration of the node that applied the most: the cluster's latest known membership. */
  private latestConfState(): ConfState {
    let best: SimNode | undefined;
    for (const node of this.nodes.values()) {
      if (node.destroyed) continue;
      if (best === undefined || node.stateMachine.appliedIndex > best.stateMachine.appliedIndex) best = node;
    }
    assert(best !== undefined, 'every node is destroyed');
    return best.stateMachine.confState;
  }

  /** The live node that believes itself leader in the highest term, if any. */
  private currentLeader(): SimNode | undefined {
    let leader: SimNode | undefined;
    for (const node of this.nodes.values()) {
      if (!node.alive || node.softState.role !== Role.Leader) continue;
      if (leader === undefined || node.observedTerm > leader.observedTerm) leader = node;
    }
    return leader;
  }

  /**
   * Mostly a node that believes it leads (clients find the leader, but may find a stale
   * one cut off in a minority), sometimes any node (forwarding).
   */
  private pickRequestTarget(alive: readonly SimNode[]): SimNode {
    const leaders = alive.filter((node) => node.softState.role === Role.Leader);
    if (leaders.length > 0 && this.random.chance(0.7)) return this.random.pick(leaders);
    return this.random.pick(alive);
  }

  /** Calls into a node's RawNode; a dropped proposal is an answer, anything else thrown is a violation. */
  private callNode(node: SimNode, what: string, action: (raw: RawNode) => void): boolean {
    const raw = node.raw;
    assert(raw !== undefined, `node ${node.id} is down`);
    try {
      action(raw);
      return true;
    } catch (error) {
      if (error instanceof ProposalDroppedError) {
        this.stats.proposalsDropped++;
        this.log(`dropped n${node.id} ${what}`);
        return false;
      }
      throw asViolation(error, `node ${node.id} ${what}`);
    }
  }

  /** Handles the node's Readys until it has none (within a bound). */
  private processReady(node: SimNode): void {
    for (let round = 0; round < simulationLimits.maxReadyRoundsPerDrain; round++) {
      const raw = node.raw;
      if (raw === undefined || !raw.hasReady()) return;
      try {
        node.handleReady(this.environment);
      } catch (error) {
        throw asViolation(error, `node ${node.id} handling a Ready`);
      }
      this.processRemovals();
    }
  }

  /** After an event on `node`: handle its Ready now, or (in the fault phase, sometimes) leave it for later. */
  private afterEvent(node: SimNode | undefined): void {
    if (node === undefined || !node.alive) return;
    if (this.healing || this.random.chance(this.config.eagerReadyProbability)) this.processReady(node);
  }

  private confChangeApplied(change: ConfChange): void {
    this.stats.confChangesApplied++;
    const key = bytesKey(change.context);
    if (this.pendingConfChange?.key === key) this.pendingConfChange = undefined;
    // Once a removal is applied anywhere it is committed: the removed node is shut down
    // for good, as a store destroys a removed peer.
    if (change.type === ConfChangeType.RemoveNode) this.removals.push(change.nodeId);
  }

  private processRemovals(): void {
    while (this.removals.length > 0) {
      const id = this.removals.shift()!;
      const node = this.nodes.get(id);
      if (node === undefined || node.destroyed) continue;
      node.crash();
      node.destroyed = true;
      this.stats.nodesRemoved++;
      this.log(`destroy n${id}`);
    }
  }

  // --- network ---

  /** A node hands a message to the network (step 2 of its Ready). */
  private send(message: Message): void {
    if (message.type === MessageType.Snapshot) this.stats.snapshotsSent++;
    if (!this.healing && this.random.chance(this.config.dropProbability)) {
      this.stats.messagesLost++;
      this.log(`lose ${describeMessage(message)} (lossy link)`);
      this.lost(message, false);
      return;
    }
    this.enqueue(message);
    if (!this.healing && this.random.chance(this.config.duplicateProbability)) {
      this.stats.messagesDuplicated++;
      this.enqueue(message);
    }
  }

  private enqueue(message: Message): void {
    const evicted = this.network.enqueue(message);
    if (evicted !== undefined) {
      this.stats.messagesLost++;
      this.log(`lose ${describeMessage(evicted)} (network buffer full)`);
      this.lost(evicted, false);
    }
  }

  /** What a transport tells the sender about a lost message. */
  private lost(message: Message, connectionFailed: boolean): void {
    const sender = this.nodes.get(message.from);
    if (sender === undefined) return;
    if (message.type === MessageType.Snapshot) this.reports.push({ node: sender, kind: 'snapshot-failure', target: message.to });
    else if (connectionFailed && this.random.chance(0.5)) this.reports.push({ node: sender, kind: 'unreachable', target: message.to });
  }

  /** Reports are delivered between events, never in the middle of a node's Ready. */
  private flushReports(): void {
    while (this.reports.length > 0) {
      const report = this.reports.shift()!;
      const node = report.node;
      if (!node.alive) continue;
      this.log(`report n${node.id} ${report.kind} ${report.target}`);
      if (report.kind === 'unreachable') this.callNode(node, 'reportUnreachable', (raw) => raw.reportUnreachable(report.target));
      else this.callNode(node, 'reportSnapshot', (raw) => raw.reportSnapshot(report.target, report.kind === 'snapshot-finish' ? 'finish' : 'failure'));
      this.afterEvent(node);
    }
  }

  private deliver(message: Message): void {
    const target = this.nodes.get(message.to);
    if (this.network.isBlocked(message.from, message.to) || target === undefined || !target.alive) {
      this.stats.messagesLost++;
      this.log(`lose ${describeMessage(message)} (${target?.alive === true ? 'partitioned' : 'target down'})`);
      this.lost(message, true);
      return;
    }
    this.stepInto(target, message);
    this.afterEvent(target);
  }

  /** Steps a delivered message into its target; the transport reports a sent snapshot as it would. */
  private stepInto(target: SimNode, message: Message): void {
    this.stats.messagesDelivered++;
    this.log(`deliver ${describeMessage(message)}`);
    this.callNode(target, `stepping ${describeMessage(message)}`, (raw) => raw.step(message));
    if (message.type === MessageType.Snapshot) {
      const sender = this.nodes.get(message.from);
      if (sender !== undefined) this.reports.push({ node: sender, kind: 'snapshot-finish', target: message.to });
    }
  }

  // --- the fault phase ---

  private stepOnce(): void {
    this.stepNumber++;
    this.clock = `s${this.stepNumber}`;
    const intensity = this.config.faultIntensity;
    const alive = this.aliveNodes();
    const actions: Weighted[] = [];
    if (this.network.pendingCount > 0) {
      actions.push(
        // Delivery keeps pace with the traffic, so messages wait a few steps on average.
        [actionWeights.deliverPerPendingMessage * Math.min(this.network.pendingCount, actionWeights.deliverPendingCap), () => this.deliverOne()],
        [actionWeights.deliverAll, () => this.deliverAll()],
        [actionWeights.dropOne * intensity, () => this.dropOne()],
        [actionWeights.duplicateOne * intensity, () => this.duplicateOne()],
      );
    }
    if (alive.length > 0) {
      actions.push(
        [actionWeights.tickAll, () => this.tickAll(alive)],
        [actionWeights.tickOne, () => this.tickOne(alive)],
        [actionWeights.propose, () => this.proposeOne(alive)],
        [actionWeights.readIndex, () => this.readOne(alive)],
        [actionWeights.campaign, () => this.campaignOne(alive)],
        [actionWeights.crash * intensity, () => this.crashOne(alive)],
        [actionWeights.compact * intensity, () => this.compactOne(alive)],
        [actionWeights.transferLeader * intensity, () => this.transferOne(alive)],
        [actionWeights.changeMembership * intensity, () => this.changeMembership(alive)],
      );
      const withReady = alive.filter((node) => node.raw!.hasReady());
      if (withReady.length > 0) actions.push([actionWeights.handleReady, () => this.processReady(this.random.pick(withReady))]);
    }
    const crashed = [...this.nodes.values()].filter((node) => !node.alive && !node.destroyed);
    if (crashed.length > 0) actions.push([actionWeights.restart, () => this.restartOne(crashed)]);
    if (this.network.partitioned) {
      actions.push([actionWeights.healPartition, () => this.healPartition()], [actionWeights.partitionMore * intensity, () => this.partition()]);
    } else {
      actions.push([actionWeights.partition * intensity, () => this.partition()]);
    }

    let total = 0;
    for (const [weight] of actions) total += weight;
    let roll = this.random.nextFloat() * total;
    for (const [weight, action] of actions) {
      roll -= weight;
      if (roll < 0) {
        action();
        break;
      }
    }
    this.processRemovals();
    this.flushReports();
  }

  private deliverOne(): void {
    const count = this.network.pendingCount;
    // Mostly near the head of the queue (modest reordering), sometimes anything (long delays).
    const position = this.random.chance(0.75) ? this.random.nextInt(Math.min(3, count)) : this.random.nextInt(count);
    this.deliver(this.network.take(position));
  }

  private deliverAll(): void {
    // Only what is in flight now; replies wait for later steps.
    const count = this.network.pendingCount;
    for (let delivered = 0; delivered < count && this.network.pendingCount > 0; delivered++) this.deliver(this.network.take(0));
  }

  private dropOne(): void {
    const message = this.network.take(this.random.nextInt(this.network.pendingCount));
    this.stats.messagesLost++;
    this.log(`lose ${describeMessage(message)} (dropped)`);
    this.lost(message, false);
  }

  private duplicateOne(): void {
    const message = this.network.peek(this.random.nextInt(this.network.pendingCount));
    this.stats.messagesDuplicated++;
    this.log('duplicate');
    this.deliver(message);
  }

  private tickAll(alive: readonly SimNode[]): void {
    this.log('tick all');
    for (const node of alive) {
      if (!node.alive) continue;
      this.callNode(node, 'tick', (raw) => raw.tick());
      this.afterEvent(node);
    }
  }

  private tickOne(alive: readonly SimNode[]): void {
    const node = this.random.pick(alive);
    this.log(`tick n${node.id}`);
    this.callNode(node, 'tick', (raw) => raw.tick());
    this.afterEvent(node);
  }

  private proposeOne(alive: readonly SimNode[]): void {
    const node = this.pickRequestTarget(alive);
    let text = `p${this.nextProposalId++}:`;
    const padding = this.random.nextInt(simulationLimits.maxPayloadPaddingBytes + 1);
    for (let count = 0; count < padding; count++) text += String.fromCharCode(97 + this.random.nextInt(26));
    this.stats.proposals++;
    this.log(`propose n${node.id} '${text}'`);
    this.callNode(node, 'propose', (raw) => raw.propose(asciiBytes(text)));
    this.afterEvent(node);
  }

  private readOne(alive: readonly SimNode[]): void {
    const node = this.pickRequestTarget(alive);
    const context = `r${this.nextReadId++}`;
    this.stats.readRequests++;
    this.checker.observeReadRequest(context);
    this.log(`read-index n${node.id} ${context} (committed ${this.checker.maxCommittedIndex})`);
    this.callNode(node, 'readIndex', (raw) => raw.readIndex(asciiBytes(context)));
    this.afterEvent(node);
  }

  private campaignOne(alive: readonly SimNode[]): void {
    const node = this.random.pick(alive);
    this.log(`campaign n${node.id}`);
    this.callNode(node, 'campaign', (raw) => raw.campaign());
    this.afterEvent(node);
  }

  private crashOne(alive: readonly SimNode[]): void {
    // Crashing a leader with uncommitted entries is the interesting case: often pick one.
    const leaders = alive.filter((candidate) => candidate.softState.role === Role.Leader);
    const node = leaders.length > 0 && this.random.chance(0.5) ? this.random.pick(leaders) : this.random.pick(alive);
    const raw = node.raw!;
    if (!raw.hasReady() && this.random.chance(0.5)) {
      // Crash while handling the next message: the classic window between deciding
      // (a vote, new entries) and persisting.
      const position = this.network.findPendingTo(node.id);
      if (position !== undefined) {
        const message = this.network.take(position);
        if (this.network.isBlocked(message.from, message.to)) this.lost(message, true);
        else this.stepInto(node, message);
      }
    }
    if (raw.hasReady() && this.random.chance(0.7)) {
      const cut = this.drawCut();
      this.stats.crashesMidReady++;
      this.log(`crash-during-ready n${node.id} ${cut.kind}`);
      try {
        node.handleReady(this.environment, cut);
      } catch (error) {
        throw asViolation(error, `node ${node.id} handling a Ready`);
      }
      this.processRemovals();
    }
    this.stats.crashes++;
    this.log(`crash n${node.id}`);
    node.crash();
  }

  private drawCut(): ReadyCut {
    switch (this.random.nextInt(3)) {
      case 0:
        return { kind: 'after-persist' };
      case 1:
        return { kind: 'after-send', messageCount: this.random.nextInt(4) };
      default:
        return { kind: 'after-apply', entryCount: this.random.nextInt(4) };
    }
  }

  private restartOne(crashed: readonly SimNode[]): void {
    const node = this.random.pick(crashed);
    this.stats.restarts++;
    this.startNode(node);
    this.afterEvent(node);
  }

  /** Compacts a node's log up to (at most) its applied index, so lagging followers need snapshots. */
  private compactOne(alive: readonly SimNode[]): void {
    const candidates = alive.filter((node) => node.stateMachine.appliedIndex > node.storage.snapshot().metadata.index);
    if (candidates.length === 0) return;
    const node = this.random.pick(candidates);
    const storage = node.storage;
    const machine = node.stateMachine;
    const compactIndex = this.random.nextIntBetween(storage.firstIndex(), machine.appliedIndex);
    try {
      storage.createSnapshot(machine.appliedIndex, machine.confState, encodeStateMachine(machine.image()));
      storage.compact(compactIndex);
    } catch (error) {
      throw asViolation(error, `compacting node ${node.id}`);
    }
    this.stats.compactions++;
    this.log(`compact n${node.id} snapshot at ${machine.appliedIndex}, log from ${storage.firstIndex()}`);
  }

  private transferOne(alive: readonly SimNode[]): void {
    const node = this.pickRequestTarget(alive);
    const target = this.random.pick(this.latestConfState().voters);
    this.stats.leaderTransfers++;
    this.log(`transfer-leader n${node.id} to ${target}`);
    this.callNode(node, 'transferLeader', (raw) => raw.transferLeader(target));
    this.afterEvent(node);
  }

  /** Proposes one membership change, if none is in flight, keeping the voters within bounds. */
  private changeMembership(alive: readonly SimNode[]): void {
    const pending = this.pendingConfChange;
    if (pending !== undefined && this.stepNumber - pending.step < simulationLimits.confChangeTimeoutSteps) return;
    const { voters, learners } = this.latestConfState();
    const options: Array<() => ConfChange> = [];
    const context = asciiBytes(`cc${this.nextConfChangeId}`);
    if (voters.length < simulationLimits.maxVoters) options.push(() => ({ type: ConfChangeType.AddNode, nodeId: this.nextNodeId, context }));
    if (learners.length < simulationLimits.maxLearners) options.push(() => ({ type: ConfChangeType.AddLearnerNode, nodeId: this.nextNodeId, context }));
    if (learners.length > 0) {
      options.push(() => ({ type: ConfChangeType.AddNode, nodeId: this.random.pick(learners), context }));
      options.push(() => ({ type: ConfChangeType.RemoveNode, nodeId: this.random.pick(learners), context }));
    }
    if (voters.length > simulationLimits.minVoters) options.push(() => ({ type: ConfChangeType.RemoveNode, nodeId: this.random.pick(voters), context }));
    if (options.length === 0) return;
    const change = this.random.pick(options)();
    const node = this.pickRequestTarget(alive);
    this.nextConfChangeId++;
    this.stats.confChangesProposed++;
    this.log(`propose-conf-change n${node.id} ${describeConfChange(change)}`);
    const accepted = this.callNode(node, 'proposeConfChange', (raw) => raw.proposeConfChange(change));
    if (accepted) {
      this.pendingConfChange = { key: bytesKey(context), step: this.stepNumber };
      if (change.nodeId === this.nextNodeId) this.createNode(this.nextNodeId++);
    }
    this.afterEvent(node);
  }

  /** A node about to be added: empty storage and configuration, waiting for the leader's snapshot. */
  private createNode(id: number): void {
    const storage = new MemoryStorage();
    const node = new SimNode(id, storage, new StateMachine({ appliedIndex: 0, appliedTerm: 0, records: [] }, { voters: [], learners: [] }), 0);
    this.nodes.set(id, node);
    this.startNode(node);
  }

  private partition(): void {
    const ids = [...this.nodes.values()].filter((node) => !node.destroyed).map((node) => node.id);
    if (ids.length < 2) return;
    const kind = this.random.nextInt(5);
    if (kind === 0 || kind === 4) {
      // Isolating the leader is what forces elections with divergent logs, so half of
      // these target it.
      const leader = this.currentLeader();
      const isolated = kind === 4 && leader !== undefined ? leader.id : this.random.pick(ids);
      this.network.split(
        [isolated],
        ids.filter((id) => id !== isolated),
      );
    } else if (kind === 1) {
      // A random cut: minority/majority or any other shape.
      const shuffled = ids.slice();
      for (let position = shuffled.length - 1; position > 0; position--) {
        const other = this.random.nextInt(position + 1);
        [shuffled[position], shuffled[other]] = [shuffled[other]!, shuffled[position]!];
      }
      const size = this.random.nextIntBetween(1, shuffled.length - 1);
      this.network.split(shuffled.slice(0, size), shuffled.slice(size));
    } else if (kind === 2) {
      // One direction of one link.
      const from = this.random.pick(ids);
      const to = this.random.pick(ids.filter((id) => id !== from));
      this.network.block(from, to);
    } else {
      // A node that can hear but not speak, or speak but not hear.
      const node = this.random.pick(ids);
      const outbound = this.random.nextBoolean();
      for (const other of ids) if (other !== node) this.network.block(outbound ? node : other, outbound ? other : node);
    }
    this.stats.partitions++;
    this.log(`partition ${this.network.describePartition()}`);
  }

  private healPartition(): void {
    this.network.heal();
    this.log('heal partition');
  }

  // --- the heal phase ---

  /**
   * Heals everything (no partition, no loss, every node up) and requires that within a
   * bounded number of ticks a leader exists and a fresh proposal is applied by every live
   * member of its configuration.
   */
  private healAndCheckLiveness(): void {
    this.healing = true;
    this.clock = 'h0';
    this.network.heal();
    this.log('heal all');
    for (const node of this.nodes.values()) {
      if (node.destroyed || node.alive) continue;
      this.stats.restarts++;
      this.startNode(node);
    }
    const maxTicks = simulationLimits.livenessElectionTimeouts * this.config.electionTick;
    const probes: string[] = [];
    let lastProbeTick = Number.NEGATIVE_INFINITY;
    for (let tick = 0; tick <= maxTicks; tick++) {
      this.clock = `h${tick}`;
      this.drainNetwork();
      const leader = this.currentLeader();
      if (leader !== undefined) {
        if (this.livenessReached(leader, probes)) {
          this.stats.livenessTicks = tick;
          this.log(`liveness reached after ${tick} ticks, leader n${leader.id}`);
          return;
        }
        if (tick - lastProbeTick >= 2 * this.config.electionTick) {
          const probe = `${livenessPrefix}${this.nextProposalId++}`;
          probes.push(probe);
          lastProbeTick = tick;
          this.log(`propose n${leader.id} '${probe}'`);
          this.callNode(leader, 'propose', (raw) => raw.propose(asciiBytes(probe)));
          this.processReady(leader);
          continue;
        }
      }
      for (const node of this.aliveNodes()) {
        this.callNode(node, 'tick', (raw) => raw.tick());
        this.processReady(node);
      }
    }
    throw new InvariantViolation(InvariantRule.Liveness, `no leader committed a fresh proposal on every live member within ${maxTicks} ticks after healing: ${this.describeCluster(probes)}`);
  }

  private livenessReached(leader: SimNode, probes: readonly string[]): boolean {
    if (probes.length === 0) return false;
    const confState = leader.raw!.status().confState;
    const members: SimNode[] = [];
    for (const id of [...confState.voters, ...confState.learners]) {
      const node = this.nodes.get(id);
      if (node !== undefined && !node.destroyed) members.push(node);
    }
    return probes.some((probe) => members.every((node) => node.livenessApplied.has(probe)));
  }

  /** Delivers everything in flight, in order, until the network is quiet (within a bound). */
  private drainNetwork(): void {
    let budget = simulationLimits.maxDeliveriesPerDrain;
    for (;;) {
      for (const node of this.aliveNodes()) this.processReady(node);
      this.flushReports();
      if (this.network.pendingCount === 0) return;
      if (budget <= 0) {
        throw new InvariantViolation(
          InvariantRule.Liveness,
          `the network did not fall quiet within ${simulationLimits.maxDeliveriesPerDrain} deliveries without a tick (a message storm): ${this.describeCluster([])}`,
        );
      }
      while (this.network.pendingCount > 0 && budget > 0) {
        budget--;
        this.deliver(this.network.take(0));
        this.flushReports();
      }
    }
  }

  private describeCluster(probes: readonly string[]): string {
    const parts: string[] = [];
    for (const node of this.nodes.values()) {
      if (node.destroyed) continue;
      const hardState = node.storage.initialState().hardState;
      const status = node.raw?.status();
      parts.push(
        `n${node.id}${node.alive ? '' : ' down'} ${status?.softState.role ?? '-'} term ${status?.hardState.term ?? hardState.term} ` +
          `leader ${status?.softState.leaderId ?? '-'} commit ${status?.hardState.commit ?? hardState.commit} applied ${node.stateMachine.appliedIndex} ` +
          `log ${node.storage.firstIndex()}..${node.storage.lastIndex()} voters [${node.stateMachine.confState.voters}] learners [${node.stateMachine.confState.learners}]`,
      );
    }
    return `${parts.join('; ')}; probes [${probes.join(', ')}]`;
  }

  private checkAllLogs(): void {
    const logs = [...this.nodes.values()].filter((node) => !node.destroyed).map((node) => ({ nodeId: node.id, log: storageLogView(node.storage) }));
    this.checker.checkLogMatching(logs);
  }
}

function asViolation(error: unknown, context: string): InvariantViolation {
  if (error instanceof InvariantViolation) return error;
  if (error instanceof Error) {
    const frames = (error.stack ?? '').split('\n').slice(1, 6).map((line) => line.trim()).join(' | ');
    return new InvariantViolation(InvariantRule.LibraryError, `${context} threw ${error.name}: ${error.message} [${frames}]`);
  }
  return new InvariantViolation(InvariantRule.LibraryError, `${context} threw ${String(error)}`);
}

export function describeMessage(message: Message): string {
  let text = `${messageTypeName(message.type)} ${message.from}->${message.to} t${message.term}`;
  if (message.index !== 0 || message.logTerm !== 0) text += ` i${message.index} lt${message.logTerm}`;
  if (message.commit !== 0) text += ` c${message.commit}`;
  if (message.entries.length > 0) text += ` e${message.entries.length}`;
  if (message.reject) text += ` reject(hint ${message.rejectHint})`;
  if (message.snapshot !== undefined) text += ` snapshot ${message.snapshot.metadata.index}/${message.snapshot.metadata.term}`;
  return text;
}
