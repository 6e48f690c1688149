import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compareBytes } from '../../common/codec/bytes.js';
import { encodeMvccKey, encodeUserKey } from '../../common/codec/mvcc-key.js';
import { asTimestamp, maxTimestamp, type Timestamp } from '../../common/ids.js';
import { SeededRandom } from '../../common/random.js';
import { ColumnFamily, type Engine } from '../engine/engine.js';
import { LevelEngine } from '../engine/level-engine.js';
import { MemoryEngine } from '../engine/memory-engine.js';
import { KeyError } from './errors.js';
import { checkLockForRead } from './read-lock-check.js';
import { MvccReader } from './reader.js';
import { scan } from './scanner.js';
import { encodeLock, encodeWrite, type Lock, LockType, makeLock, shortValueMaxBytes, WriteType } from './txn-types.js';

/**
 * A differential test of the MVCC scanner: random histories (many versions per key,
 * rollbacks, deletes, Lock records, long values in CF default, empty values, locks of
 * every type) written straight into an engine, scanned in both directions with random
 * bounds, limits and read timestamps, against a naive in-memory model of snapshot reads.
 */

interface Version {
  readonly commitTs: bigint;
  readonly startTs: bigint;
  readonly type: WriteType;
  readonly value?: Uint8Array;
  readonly long: boolean;
  readonly overlapped: boolean;
}

interface KeyHistory {
  readonly key: Uint8Array;
  readonly versions: Version[];
  lock?: Lock;
}

const u64 = (1n << 64n) - 1n;

/** Timestamps around byte and word boundaries, and anywhere in the 64-bit range. */
function timestampPool(random: SeededRandom, wide: boolean): bigint[] {
  const pool = new Set<bigint>();
  if (wide) {
    for (const base of [1n, 0xffn, 0x100n, 0xffffn, 0x1_0000n, 0xffff_ffffn, 0x1_0000_0000n, (1n << 53n) - 1n, 1n << 53n, (1n << 63n) - 1n, 1n << 63n, u64 - 2n]) {
      for (const delta of [-2n, -1n, 0n, 1n, 2n]) if (base + delta > 0n && base + delta < u64) pool.add(base + delta);
    }
    for (let index = 0; index < 40; index++) {
      const value = random.nextUint64();
      if (value > 0n && value < u64) pool.add(value);
    }
  } else {
    for (let value = 1n; value <= 120n; value++) pool.add(value);
  }
  return [...pool].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function randomKey(random: SeededRandom): Uint8Array {
  // Lengths across the 8-byte groups of the memcomparable encoding; bytes 0x00 and 0xff too.
  const length = random.pick([0, 1, 2, 3, 7, 8, 9, 15, 16, 17]);
  const alphabet = [0x00, 0x01, 0x61, 0x62, 0xfe, 0xff];
  const out = new Uint8Array(length);
  for (let index = 0; index < length; index++) out[index] = random.pick(alphabet);
  return out;
}

function randomValue(random: SeededRandom): { value: Uint8Array; long: boolean } {
  const roll = random.nextInt(10);
  if (roll === 0) return { value: new Uint8Array(0), long: false };
  if (roll === 1) return { value: random.nextBytes(shortValueMaxBytes + 1 + random.nextInt(200)), long: true };
  if (roll === 2) return { value: random.nextBytes(random.nextIntBetween(128, shortValueMaxBytes)), long: false };
  return { value: random.nextBytes(random.nextIntBetween(1, 12)), long: false };
}

function buildHistory(random: SeededRandom, pool: readonly bigint[]): KeyHistory[] {
  const keys = new Map<string, Uint8Array>();
  const keyCount = random.nextIntBetween(1, 30);
  while (keys.size < keyCount) {
    const key = randomKey(random);
    keys.set(Buffer.from(key).toString('hex'), key);
  }
  const histories: KeyHistory[] = [];
  for (const key of keys.values()) {
    // Mostly few versions; some keys with many (past the in-memory window and the seek threshold).
    const count = random.chance(0.25) ? random.nextIntBetween(9, 40) : random.nextInt(5);
    const used = new Set<bigint>();
    const versions: Version[] = [];
    for (let attempt = 0; versions.length < count && attempt < count * 4; attempt++) {
      const index = random.nextIntBetween(1, pool.length - 1);
      const commitTs = pool[index]!;
      if (used.has(commitTs)) continue;
      used.add(commitTs);
      const roll = random.nextInt(12);
      if (roll < 2) {
        versions.push({ commitTs, startTs: commitTs, type: WriteType.Rollback, long: false, overlapped: false });
      } else if (roll < 4) {
        versions.push({ commitTs, startTs: pool[index - 1]!, type: WriteType.Delete, long: false, overlapped: false });
      } else if (roll < 5) {
        versions.push({ commitTs, startTs: pool[index - 1]!, type: WriteType.Lock, long: false, overlapped: false });
      } else {
        const { value, long } = randomValue(random);
        versions.push({ commitTs, startTs: pool[index - 1]!, type: WriteType.Put, value, long, overlapped: random.chance(0.1) });
      }
    }
    const history: KeyHistory = { key, versions };
    if (random.chance(0.2)) {
      history.lock = makeLock({
        type: random.pick([LockType.Put, LockType.Delete, LockType.Lock, LockType.Pessimistic]),
        primary: random.chance(0.5) ? key : randomKey(random),
        startTs: asTimestamp(random.pick(pool)),
        ttlMs: 3000n,
        ...(random.chance(0.3) ? { minCommitTs: asTimestamp(random.pick(pool)) } : {}),
        ...(random.chance(0.5) ? { shortValue: random.nextBytes(3) } : {}),
      });
    }
    histories.push(history);
  }
  return histories;
}

async function writeHistory(engine: Engine, histories: readonly KeyHistory[]): Promise<void> {
  const batch = engine.newBatch();
  for (const { key, versions, lock } of histories) {
    for (const version of versions) {
      const write = {
        type: version.type,
        startTs: asTimestamp(version.startTs),
        ...(version.type === WriteType.Put && !version.long ? { shortValue: version.value! } : {}),
        ...(version.overlapped ? { hasOverlappedRollback: true } : {}),
      };
      batch.put(ColumnFamily.write, encodeMvccKey(key, asTimestamp(version.commitTs)), encodeWrite(write));
      if (version.long) batch.put(ColumnFamily.default, encodeMvccKey(key, asTimestamp(version.startTs)), version.value!);
    }
    if (lock !== undefined) batch.put(ColumnFamily.lock, encodeUserKey(key), encodeLock(lock));
  }
  await engine.write(batch);
}

interface Query {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
  readonly ts: Timestamp;
  readonly limit: number;
  readonly reverse: boolean;
  readonly keyOnly: boolean;
  readonly bypassLocks: ReadonlySet<bigint>;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The naive model: every key in range, its lock checked, then its newest Put or Delete at or below ts. */
function modelScan(histories: readonly KeyHistory[], query: Query): string[] {
  const inRange = histories
    .filter(({ key }) => compareBytes(key, query.start) >= 0 && (query.end.length === 0 || compareBytes(key, query.end) < 0))
    .sort((a, b) => compareBytes(a.key, b.key));
  if (query.reverse) inRange.reverse();
  const out: string[] = [];
  for (const { key, versions, lock } of inRange) {
    if (out.length >= query.limit) break;
    if (lock !== undefined) {
      try {
        checkLockForRead(key, lock, query.ts, query.bypassLocks);
      } catch (error) {
        assert.ok(error instanceof KeyError);
        out.push(`${hex(key)} locked@${lock.startTs}`);
        continue;
      }
    }
    let newest: Version | undefined;
    for (const version of versions) {
      if (version.commitTs > query.ts) continue;
      if (version.type !== WriteType.Put && version.type !== WriteType.Delete) continue;
      if (newest === undefined || version.commitTs > newest.commitTs) newest = version;
    }
    if (newest === undefined || newest.type !== WriteType.Put) continue;
    out.push(`${hex(key)}=${query.keyOnly ? '' : hex(newest.value!)}`);
  }
  return out;
}

async function engineScan(engine: Engine, query: Query): Promise<string[]> {
  const reader = new MvccReader(engine.snapshot());
  try {
    const entries = await scan(reader, query);
    return entries.map((entry) => ('error' in entry ? `${hex(entry.key)} locked@${entry.error.detail.kind === 'key-is-locked' ? entry.error.detail.lock.startTs : '?'}` : `${hex(entry.key)}=${hex(entry.value)}`));
  } finally {
    await reader.close();
  }
}

function randomQuery(random: SeededRandom, histories: readonly KeyHistory[], pool: readonly bigint[]): Query {
  const boundKey = (): Uint8Array => (random.chance(0.6) && histories.length > 0 ? random.pick(histories).key : randomKey(random));
  const start = random.chance(0.3) ? new Uint8Array(0) : boundKey();
  const end = random.chance(0.3) ? new Uint8Array(0) : boundKey();
  const tsRoll = random.nextInt(10);
  const ts = tsRoll === 0 ? maxTimestamp : tsRoll === 1 ? asTimestamp(random.pick(pool) - 1n) : tsRoll === 2 ? asTimestamp(random.pick(pool) + 1n) : asTimestamp(random.pick(pool));
  const limit = random.chance(0.3) ? random.nextIntBetween(1, 3) : random.chance(0.5) ? random.nextIntBetween(1, 40) : 10_000;
  const lockTimestamps = histories.flatMap(({ lock }) => (lock === undefined ? [] : [BigInt(lock.startTs)]));
  const bypassLocks = new Set<bigint>(random.chance(0.3) && lockTimestamps.length > 0 ? [random.pick(lockTimestamps)] : []);
  return { start, end, ts, limit, reverse: random.nextBoolean(), keyOnly: random.chance(0.15), bypassLocks };
}

function describeQuery(query: Query): string {
  return JSON.stringify({ start: hex(query.start), end: hex(query.end), ts: String(query.ts), limit: query.limit, reverse: query.reverse, keyOnly: query.keyOnly, bypass: [...query.bypassLocks].map(String) });
}

async function runRounds(open: () => Promise<{ engine: Engine; dispose: () => Promise<void> }>, seed: number, rounds: number, queriesPerRound: number): Promise<void> {
  const random = new SeededRandom(seed);
  for (let round = 0; round < rounds; round++) {
    const pool = timestampPool(random, random.chance(0.5));
    const histories = buildHistory(random, pool);
    const { engine, dispose } = await open();
    try {
      await writeHistory(engine, histories);
      for (let index = 0; index < queriesPerRound; index++) {
        const query = randomQuery(random, histories, pool);
        const expected = modelScan(histories, query);
        const actual = await engineScan(engine, query);
        assert.deepEqual(actual, expected, `seed ${seed} round ${round} query ${index}: ${describeQuery(query)}`);
      }
    } finally {
      await dispose();
    }
  }
}

const seed = Number(process.env.SCANNER_MODEL_SEED ?? 0x5ca11e4);

describe('scan against a naive snapshot model', () => {
  it('on the in-memory engine', async () => {
    await runRounds(async () => ({ engine: new MemoryEngine(), dispose: async () => {} }), seed, 60, 40);
  });

  it('on the LevelDB engine', async () => {
    await runRounds(
      async () => {
        const path = await mkdtemp(join(tmpdir(), 'tidedb-scanner-model-'));
        const engine = await LevelEngine.open(path);
        return {
          engine,
          dispose: async () => {
            await engine.close();
            await rm(path, { recursive: true, force: true });
          },
        };
      },
      seed + 1,
      25,
      40,
    );
  });
});
