import { z } from 'zod';
import { durationMs, sizeBytes } from '../../common/config/index.js';
import { LOG_LEVELS } from '../../common/log/index.js';

/** `tide-kv` settings: flags (`--addr 127.0.0.1:20160 --pd 127.0.0.1:2379`) or a TOML file. */
export const kvConfigSchema = z
  .object({
    addr: z.string().default('127.0.0.1:20160').describe('address the KV gRPC service listens on (host:port)'),
    statusAddr: z.string().default('127.0.0.1:20180').describe('address of /metrics and /status (host:port)'),
    dataDir: z.string().min(1).default('data/kv').describe('directory of this store\'s data'),
    pd: z.string().default('127.0.0.1:2379').describe('PD endpoints, comma-separated'),
    labels: z.string().default('').describe('location labels as key=value,... (e.g. zone=z1,host=h1)'),
    logLevel: z.enum(LOG_LEVELS).default('info').describe('log level'),
    raftstore: z
      .object({
        tickIntervalMs: durationMs().default(100).describe('base tick of every region\'s Raft group'),
        electionTicks: z.number().int().min(2).default(10).describe('ticks without a leader before a peer campaigns'),
        heartbeatTicks: z.number().int().min(1).default(2).describe('ticks between leader heartbeats'),
        raftLogGcThresholdEntries: z.number().int().min(1).default(1024).describe('applied entries kept before a region\'s log is compacted'),
        raftLogGcCountLimitEntries: z.number().int().min(1).default(16_384).describe('entries past which a region\'s log is compacted even if a lagging peer needs them (it gets a snapshot)'),
        pdHeartbeatIntervalMs: durationMs().default(10_000).describe('how often the store and its regions report to PD'),
        regionMaxSizeBytes: sizeBytes().default(144 * 1024 * 1024).describe('a region larger than this is split in two'),
        splitCheckIntervalMs: durationMs().default(10_000).describe('how often leaders check whether their regions need splitting'),
      })
      .strict()
      .default({ tickIntervalMs: 100, electionTicks: 10, heartbeatTicks: 2, raftLogGcThresholdEntries: 1024, raftLogGcCountLimitEntries: 16_384, pdHeartbeatIntervalMs: 10_000, regionMaxSizeBytes: 144 * 1024 * 1024, splitCheckIntervalMs: 10_000 }),
  })
  .strict();

export type KvConfig = z.infer<typeof kvConfigSchema>;

/** Parses `zone=z1,host=h1` into store labels; throws a clear error on anything else. */
export function parseLabels(text: string): Array<{ key: string; value: string }> {
  if (text.trim() === '') return [];
  return text.split(',').map((pair) => {
    const [key, value, ...rest] = pair.split('=').map((part) => part.trim());
    if (key === undefined || key === '' || value === undefined || value === '' || rest.length > 0) {
      throw new Error(`config error: labels: expected key=value pairs, got "${pair}"`);
    }
    return { key, value };
  });
}
