import { ByteReader, ByteWriter } from '../../common/codec/buffer.js';
import { decodeUint64, encodeUint64 } from '../../common/codec/number.js';
import { CodecError } from '../../common/errors.js';
import { asTimestamp, type Timestamp, zeroTimestamp } from '../../common/ids.js';
import type { PdStorage } from './storage.js';

/**
 * The cluster's GC safe point: versions older than it may be garbage-collected, so it
 * must never move backwards, or a reader could be promised versions already gone. An
 * update with an older value changes nothing and reports the current one, as PD's
 * UpdateGCSafePoint does. (PD's per-service safe points are not modelled here.)
 *
 * The store keeps no copy in memory: every call reads storage, so a member that just
 * became leader sees what the previous leader wrote. Updates are serialized so two
 * concurrent ones cannot both read the old value and the smaller one win.
 */

export const gcSafePointDefaults = {
  storageKey: 'gc/safe-point',
} as const;

export interface GcSafePointUpdate {
  /** The safe point before this update. */
  readonly old: Timestamp;
  /** The safe point after it: the new value, or the old one when the new one was older. */
  readonly current: Timestamp;
}

export interface GcSafePointStoreOptions {
  readonly storageKey?: string;
}

export class GcSafePointStore {
  private readonly storage: PdStorage;
  private readonly storageKey: string;
  /** Updates run one after another; this is the tail of that queue. */
  private updateChain: Promise<void> = Promise.resolve();

  constructor(storage: PdStorage, options: GcSafePointStoreOptions = {}) {
    this.storage = storage;
    this.storageKey = options.storageKey ?? gcSafePointDefaults.storageKey;
  }

  /** The current safe point; zero when none was ever set. */
  async get(): Promise<Timestamp> {
    const stored = await this.storage.get(this.storageKey);
    return stored === undefined ? zeroTimestamp : decodeSafePoint(stored);
  }

  /** Moves the safe point forward to `newSafePoint`; an older value is ignored. */
  update(newSafePoint: Timestamp): Promise<GcSafePointUpdate> {
    const result = this.updateChain.then(() => this.updateNow(newSafePoint));
    this.updateChain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async updateNow(newSafePoint: Timestamp): Promise<GcSafePointUpdate> {
    const old = await this.get();
    if (newSafePoint <= old) return { old, current: old };
    await this.storage.write([{ key: this.storageKey, value: encodeSafePoint(newSafePoint) }]);
    return { old, current: newSafePoint };
  }
}

function encodeSafePoint(safePoint: Timestamp): Uint8Array {
  const writer = new ByteWriter(8);
  encodeUint64(writer, safePoint);
  return writer.finish();
}

function decodeSafePoint(bytes: Uint8Array): Timestamp {
  const reader = new ByteReader(bytes);
  const safePoint = decodeUint64(reader);
  if (!reader.atEnd) throw new CodecError(`GC safe point has ${bytes.length} bytes, expected 8`);
  return asTimestamp(safePoint);
}
