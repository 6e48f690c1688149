import type { ColumnFamily, WriteBatch } from './engine.js';

export type BatchOperation =
  | { readonly kind: 'put'; readonly cf: ColumnFamily; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly kind: 'delete'; readonly cf: ColumnFamily; readonly key: Uint8Array };

/**
 * A write batch recorded in memory; the engine applies it in one atomic write. Kept as
 * plain data so a batch can also be inspected (tests) or replicated (Raft apply).
 */
export class RecordedWriteBatch implements WriteBatch {
  readonly operations: BatchOperation[] = [];
  sizeBytes = 0;

  put(cf: ColumnFamily, key: Uint8Array, value: Uint8Array): void {
    this.operations.push({ kind: 'put', cf, key, value });
    this.sizeBytes += key.length + value.length;
  }

  delete(cf: ColumnFamily, key: Uint8Array): void {
    this.operations.push({ kind: 'delete', cf, key });
    this.sizeBytes += key.length;
  }

  get count(): number {
    return this.operations.length;
  }
}
