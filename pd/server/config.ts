import { z } from 'zod';
import { durationMs } from '../../common/config/index.js';
import { LOG_LEVELS } from '../../common/log/index.js';

/**
 * `tide-pd` settings: flags (`--name pd-1 --client-urls 127.0.0.1:2379`) and an optional
 * TOML file (`--config pd.toml`). Members of one PD cluster list each other in
 * `initial-cluster` as `name=peer-address` pairs.
 */
export const pdConfigSchema = z
  .object({
    name: z.string().min(1).default('pd').describe('this member\'s name, unique in the PD cluster'),
    dataDir: z.string().min(1).default('data/pd').describe('directory of this member\'s data'),
    clientUrls: z.string().default('127.0.0.1:2379').describe('address the PD gRPC service listens on (host:port)'),
    peerUrls: z.string().default('127.0.0.1:2380').describe('address other PD members reach this one on (host:port)'),
    statusUrls: z.string().default('127.0.0.1:2381').describe('address of the HTTP API and /metrics (host:port)'),
    initialCluster: z
      .string()
      .default('')
      .describe('every member as name=peer-address,... (empty: a one-member cluster of this member)'),
    clusterId: z.coerce.bigint().default(6_996_000_000_000_000_001n).describe('identifies the cluster in every request header'),
    logLevel: z.enum(LOG_LEVELS).default('info').describe('log level'),
    tso: z
      .object({
        saveIntervalMs: durationMs().default(3_000).describe('how far ahead of the clock the TSO window is persisted'),
      })
      .strict()
      .default({ saveIntervalMs: 3_000 }),
    raft: z
      .object({
        tickIntervalMs: durationMs().default(100).describe('base tick of PD\'s Raft group'),
        electionTicks: z.number().int().min(2).default(10).describe('ticks without a leader before a member campaigns'),
        heartbeatTicks: z.number().int().min(1).default(2).describe('ticks between leader heartbeats'),
      })
      .strict()
      .default({ tickIntervalMs: 100, electionTicks: 10, heartbeatTicks: 2 }),
    schedule: z
      .object({
        maxReplicas: z.number().int().min(1).default(3).describe('replicas of every region'),
        maxStoreDownTimeMs: durationMs().default(30 * 60 * 1000).describe('a store silent this long is Down and its replicas are replaced'),
        locationLabels: z.string().default('').describe('label keys from widest to narrowest failure domain, comma-separated (e.g. zone,host)'),
        storeLimitOperators: z.number().int().min(1).default(4).describe('operators in flight per store'),
        intervalMs: durationMs().default(1_000).describe('how often checkers and schedulers run'),
      })
      .strict()
      .default({ maxReplicas: 3, maxStoreDownTimeMs: 30 * 60 * 1000, locationLabels: '', storeLimitOperators: 4, intervalMs: 1_000 }),
  })
  .strict();

export type PdConfig = z.infer<typeof pdConfigSchema>;

export interface ClusterMember {
  readonly name: string;
  readonly peerAddress: string;
}

/** Parses `initial-cluster` (`name=address,...`); an empty value means this member alone. */
export function parseInitialCluster(config: PdConfig): ClusterMember[] {
  if (config.initialCluster.trim() === '') return [{ name: config.name, peerAddress: config.peerUrls }];
  const members = config.initialCluster.split(',').map((pair) => {
    const [name, peerAddress, ...rest] = pair.split('=').map((part) => part.trim());
    if (name === undefined || name === '' || peerAddress === undefined || peerAddress === '' || rest.length > 0) {
      throw new Error(`config error: initial-cluster: expected name=host:port pairs, got "${pair}"`);
    }
    return { name, peerAddress };
  });
  if (!members.some((member) => member.name === config.name)) {
    throw new Error(`config error: initial-cluster does not name this member "${config.name}"`);
  }
  if (new Set(members.map((member) => member.name)).size !== members.length) throw new Error('config error: initial-cluster names a member twice');
  return members;
}
