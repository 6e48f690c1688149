import { compareBytes } from '../../common/codec/bytes.js';
import { splitMvccKey } from '../../common/codec/mvcc-key.js';
import { ColumnFamily, type EngineReader, type KeyValue } from '../engine/engine.js';
import { decodeLatestWrite, decodeWrite, WriteType } from './txn-types.js';

async function readAll(engine: EngineReader, cf: ColumnFamily): Promise<KeyValue[]> {
  const cursor = engine.iterator(cf);
  const out: KeyValue[] = [];
  try {
    for (;;) {
      const batch = await cursor.next(1024);
      if (batch.length === 0) return out;
      out.push(...batch);
    }
  } finally {
    await cursor.close();
  }
}

/**
 * Checks CF latest against CF write (for tests and repair tools): every key with a Put
 * or Delete record has an entry that is a copy of its newest one; a key without any
 * has no entry, or one holding a Delete (GC collected the Delete it copied). Returns
 * the problems found, empty when consistent.
 */
export async function checkLatestIndex(engine: EngineReader): Promise<string[]> {
  const newestData = new Map<string, { commitTs: bigint; record: Uint8Array }>();
  for (const [key, value] of await readAll(engine, ColumnFamily.write)) {
    const { encodedUserKey, ts } = splitMvccKey(key);
    const write = decodeWrite(value);
    if (write.type !== WriteType.Put && write.type !== WriteType.Delete) continue;
    const id = Buffer.from(encodedUserKey).toString('hex');
    // Versions come newest first: the first data record of a key is its newest.
    if (!newestData.has(id)) newestData.set(id, { commitTs: ts, record: value });
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [key, value] of await readAll(engine, ColumnFamily.latest)) {
    const id = Buffer.from(key).toString('hex');
    seen.add(id);
    const latest = decodeLatestWrite(value);
    const expected = newestData.get(id);
    if (expected === undefined) {
      if (latest.write.type !== WriteType.Delete) problems.push(`key ${id}: latest entry ${latest.write.type} at ${latest.commitTs} but no data record`);
      continue;
    }
    const { type, startTs, shortValue } = decodeWrite(expected.record);
    const same =
      latest.commitTs === expected.commitTs &&
      latest.write.type === type &&
      latest.write.startTs === startTs &&
      (latest.write.shortValue === undefined) === (shortValue === undefined) &&
      (shortValue === undefined || compareBytes(latest.write.shortValue!, shortValue) === 0);
    if (!same) problems.push(`key ${id}: latest entry at ${latest.commitTs} is not the newest data record (at ${expected.commitTs})`);
  }
  for (const id of newestData.keys()) if (!seen.has(id)) problems.push(`key ${id}: data records but no latest entry`);
  return problems;
}
