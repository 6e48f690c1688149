import type { Engine } from '../engine/engine.js';
import { MvccTxn } from './mvcc-txn.js';
import { MvccReader } from './reader.js';

/**
 * Runs MVCC commands against one engine: each command reads a fresh snapshot and its
 * writes are applied as one atomic batch. (The raftstore replaces the final write with
 * a Raft proposal; the command functions stay the same.)
 */
export class MvccStore {
  readonly engine: Engine;

  constructor(engine: Engine) {
    this.engine = engine;
  }

  /** Runs a read-only command on a snapshot. */
  async read<T>(command: (reader: MvccReader) => Promise<T>): Promise<T> {
    const snapshot = this.engine.snapshot();
    const reader = new MvccReader(snapshot);
    try {
      return await command(reader);
    } finally {
      await reader.close();
      await snapshot.close();
    }
  }

  /**
   * Runs a write command on a snapshot and returns what it would write, without writing
   * it: the raftstore replicates the modifications instead.
   */
  async compute<T>(command: (reader: MvccReader, txn: MvccTxn) => Promise<T>): Promise<{ result: T; txn: MvccTxn }> {
    const txn = new MvccTxn();
    const result = await this.read((reader) => command(reader, txn));
    return { result, txn };
  }

  /**
   * Runs a write command on a snapshot and applies what it wrote atomically. If the
   * command throws, nothing is written. Callers must serialize commands on the same
   * keys (latches): the snapshot is read before the write lands.
   */
  async write<T>(command: (reader: MvccReader, txn: MvccTxn) => Promise<T>, options: { sync?: boolean } = {}): Promise<T> {
    const { result, txn } = await this.compute(command);
    if (!txn.isEmpty) {
      const batch = this.engine.newBatch();
      txn.writeTo(batch);
      await this.engine.write(batch, { sync: options.sync ?? false });
    }
    return result;
  }
}
