import { allColumnFamilies, ColumnFamily, type Engine, type EngineReader, type WriteBatch } from './engine.js';

/**
 * The batches the crash-safety test writes, and how it reads back what survived. Batch
 * `n` puts `keysPerFamily` keys `b<n>/<j>` in every column family, moves the marker key
 * `d<n-1>` to `d<n>` (a delete and a put), and sets `counter` to n. So a store that
 * applied batches 1..m whole holds exactly: every `b` key of 1..m, the marker `d<m>`,
 * and `counter` = m, in every family. Anything else is a torn batch.
 */
export const keysPerFamily = 50;
const valueBytes = 100;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function batchKey(batchIndex: number, keyIndex: number): Uint8Array {
  return encoder.encode(`b${String(batchIndex).padStart(6, '0')}/${String(keyIndex).padStart(3, '0')}`);
}

function markerKey(batchIndex: number): Uint8Array {
  return encoder.encode(`d${String(batchIndex).padStart(6, '0')}`);
}

const counterKey = encoder.encode('counter');

export function fillCrashBatch(batch: WriteBatch, batchIndex: number): void {
  const value = encoder.encode(String(batchIndex).padEnd(valueBytes, '.'));
  for (const cf of allColumnFamilies) {
    for (let keyIndex = 0; keyIndex < keysPerFamily; keyIndex++) batch.put(cf, batchKey(batchIndex, keyIndex), value);
    if (batchIndex > 1) batch.delete(cf, markerKey(batchIndex - 1));
    batch.put(cf, markerKey(batchIndex), value);
    batch.put(cf, counterKey, encoder.encode(String(batchIndex)));
  }
}

/** The last batch a writer applied, from the counter (0 for a fresh store). */
export async function lastCrashBatch(reader: EngineReader): Promise<number> {
  const counter = await reader.get(ColumnFamily.default, counterKey);
  return counter === undefined ? 0 : Number(decoder.decode(counter));
}

export interface CrashState {
  /** The last batch applied whole. */
  readonly lastBatch: number;
  /** Every way the store differs from "batches 1..lastBatch applied whole"; empty when consistent. */
  readonly problems: readonly string[];
}

export async function inspectCrashState(engine: Engine): Promise<CrashState> {
  const lastBatch = await lastCrashBatch(engine);
  const problems: string[] = [];
  for (const cf of allColumnFamilies) {
    const perBatch = new Map<number, number>();
    const markers: string[] = [];
    let counter: string | undefined;
    const iterator = engine.iterator(cf);
    for (let entries = await iterator.next(1024); entries.length > 0; entries = await iterator.next(1024)) {
      for (const [key, value] of entries) {
        const text = decoder.decode(key);
        if (text === 'counter') counter = decoder.decode(value);
        else if (text.startsWith('d')) markers.push(text);
        else if (text.startsWith('b')) {
          const batchIndex = Number(text.slice(1, 7));
          perBatch.set(batchIndex, (perBatch.get(batchIndex) ?? 0) + 1);
        } else problems.push(`${cf}: unexpected key ${text}`);
      }
    }
    await iterator.close();
    if ((counter ?? '0') !== String(lastBatch)) problems.push(`${cf}: counter ${counter} but CF default says ${lastBatch}`);
    const expectedMarkers = lastBatch === 0 ? [] : [decoder.decode(markerKey(lastBatch))];
    if (markers.join() !== expectedMarkers.join()) problems.push(`${cf}: markers ${markers.join()} instead of ${expectedMarkers.join()}`);
    for (const [batchIndex, count] of perBatch) {
      if (batchIndex > lastBatch) problems.push(`${cf}: keys of batch ${batchIndex} after the last applied batch ${lastBatch}`);
      else if (count !== keysPerFamily) problems.push(`${cf}: batch ${batchIndex} has ${count} of ${keysPerFamily} keys (torn)`);
    }
    for (let batchIndex = 1; batchIndex <= lastBatch; batchIndex++) {
      if (!perBatch.has(batchIndex)) problems.push(`${cf}: batch ${batchIndex} is missing`);
    }
  }
  return { lastBatch, problems };
}
