import { RaftConfigError } from './errors.js';
import type { Storage } from './storage.js';

export type ReadOnlyOption = 'safe' | 'lease-based';

export interface RaftConfig {
  /** This node's id; never 0. */
  readonly id: number;
  /** Ticks a follower waits without hearing a leader before campaigning; the actual timeout is randomized in [electionTick, 2 * electionTick). */
  readonly electionTick: number;
  /** Ticks between leader heartbeats; must be less than electionTick. */
  readonly heartbeatTick: number;
  readonly storage: Storage;
  /** The last applied index, for a restarting node; committed entries after it are handed out again. */
  readonly applied?: number;
  /** Upper bound on the bytes of entries in one append message. */
  readonly maxSizePerMessageBytes?: number;
  /** Upper bound on the bytes of committed entries in one Ready. */
  readonly maxCommittedSizePerReadyBytes?: number;
  /** Upper bound on append messages in flight to one follower while replicating. */
  readonly maxInflightMessages?: number;
  /** Upper bound on bytes in flight to one follower; 0 means no byte bound. */
  readonly maxInflightBytes?: number;
  /** Upper bound on the payload bytes of uncommitted entries a leader accepts; 0 means no bound. */
  readonly maxUncommittedEntriesSizeBytes?: number;
  /** A leader steps down when it has not heard from a quorum within an election timeout. */
  readonly checkQuorum?: boolean;
  /** Campaign with a pre-vote round first, so a partitioned node cannot disrupt the cluster by raising its term. */
  readonly preVote?: boolean;
  /** How ReadIndex is served: confirmed by a heartbeat quorum, or by the leader lease (requires checkQuorum and bounded clock drift). */
  readonly readOnlyOption?: ReadOnlyOption;
  /** Followers drop proposals instead of forwarding them to the leader. */
  readonly disableProposalForwarding?: boolean;
  /** Source of randomness for election timeouts, in [0, 1); seeded in tests so runs replay. */
  readonly random: () => number;
}

export interface ResolvedRaftConfig extends Required<Omit<RaftConfig, 'applied'>> {
  readonly applied: number;
}

export const defaultMaxSizePerMessageBytes = 1024 * 1024;
export const defaultMaxInflightMessages = 256;

export function resolveRaftConfig(config: RaftConfig): ResolvedRaftConfig {
  if (!Number.isSafeInteger(config.id) || config.id <= 0) throw new RaftConfigError(`id must be a positive integer, got ${config.id}`);
  if (!Number.isInteger(config.heartbeatTick) || config.heartbeatTick <= 0) throw new RaftConfigError('heartbeatTick must be greater than 0');
  if (!Number.isInteger(config.electionTick) || config.electionTick <= config.heartbeatTick) {
    throw new RaftConfigError('electionTick must be greater than heartbeatTick');
  }
  const resolved: ResolvedRaftConfig = {
    id: config.id,
    electionTick: config.electionTick,
    heartbeatTick: config.heartbeatTick,
    storage: config.storage,
    applied: config.applied ?? 0,
    maxSizePerMessageBytes: config.maxSizePerMessageBytes ?? defaultMaxSizePerMessageBytes,
    maxCommittedSizePerReadyBytes: config.maxCommittedSizePerReadyBytes ?? config.maxSizePerMessageBytes ?? defaultMaxSizePerMessageBytes,
    maxInflightMessages: config.maxInflightMessages ?? defaultMaxInflightMessages,
    maxInflightBytes: config.maxInflightBytes ?? 0,
    maxUncommittedEntriesSizeBytes: config.maxUncommittedEntriesSizeBytes ?? 0,
    checkQuorum: config.checkQuorum ?? false,
    preVote: config.preVote ?? false,
    readOnlyOption: config.readOnlyOption ?? 'safe',
    disableProposalForwarding: config.disableProposalForwarding ?? false,
    random: config.random,
  };
  if (resolved.maxInflightMessages <= 0) throw new RaftConfigError('maxInflightMessages must be greater than 0');
  if (resolved.maxInflightBytes !== 0 && resolved.maxInflightBytes < resolved.maxSizePerMessageBytes) {
    throw new RaftConfigError('maxInflightBytes must be at least maxSizePerMessageBytes');
  }
  if (resolved.readOnlyOption === 'lease-based' && !resolved.checkQuorum) {
    throw new RaftConfigError('lease-based reads require checkQuorum');
  }
  return resolved;
}
