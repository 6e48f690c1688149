import { CodecError } from '../errors.js';

const initialCapacityBytes = 64;

/**
 * A growable byte buffer for encoders. Encoders append into one writer instead of
 * concatenating small arrays, so encoding a key or a row allocates O(log n) times.
 */
export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  // Invariant: 0 <= length <= buffer.length.
  length = 0;

  constructor(capacityBytes = initialCapacityBytes) {
    this.buffer = new Uint8Array(capacityBytes);
    this.view = new DataView(this.buffer.buffer);
  }

  /** Makes room for `extraBytes` more bytes. */
  reserve(extraBytes: number): void {
    const needed = this.length + extraBytes;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  writeByte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  writeBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  writeUint16LE(value: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, value, true);
    this.length += 2;
  }

  writeUint32LE(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  writeUint32BE(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, false);
    this.length += 4;
  }

  writeBigUint64BE(value: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, value, false);
    this.length += 8;
  }

  writeBigUint64LE(value: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, value, true);
    this.length += 8;
  }

  writeFloat64BE(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value, false);
    this.length += 8;
  }

  /** Overwrites one byte already written (used to patch headers). */
  setByte(index: number, value: number): void {
    if (index < 0 || index >= this.length) throw new RangeError(`setByte index ${index} outside 0..${this.length}`);
    this.buffer[index] = value;
  }

  /** A copy of the written bytes, safe to keep after the writer is reused. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  /** A view of the written bytes; valid only until the next write or reset. */
  written(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }
}

/**
 * A bounds-checked cursor over encoded bytes. Every read that would pass the end throws
 * `CodecError`, so a truncated input can never yield garbage or loop.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  // Hot path: most decoders read single bytes and varints; the DataView is made only
  // when a multi-byte number is read (creating one per reader showed in profiles).
  private dataView: DataView | undefined;
  // Invariant: 0 <= offset <= bytes.length.
  offset: number;

  constructor(bytes: Uint8Array, offset = 0) {
    if (offset < 0 || offset > bytes.length) throw new CodecError(`offset ${offset} outside input of ${bytes.length} bytes`);
    this.bytes = bytes;
    this.offset = offset;
  }

  private get view(): DataView {
    this.dataView ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.dataView;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  get atEnd(): boolean {
    return this.offset >= this.bytes.length;
  }

  need(count: number, what: string): void {
    if (this.bytes.length - this.offset < count) {
      throw new CodecError(`truncated ${what}: need ${count} bytes at offset ${this.offset}, have ${this.bytes.length - this.offset}`);
    }
  }

  peekByte(what: string): number {
    this.need(1, what);
    return this.bytes[this.offset]!;
  }

  readByte(what: string): number {
    this.need(1, what);
    return this.bytes[this.offset++]!;
  }

  /** A view (not a copy) of the next `count` bytes. */
  readBytes(count: number, what: string): Uint8Array {
    this.need(count, what);
    const out = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return out;
  }

  readUint16LE(what: string): number {
    this.need(2, what);
    const value = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return value;
  }

  readUint32LE(what: string): number {
    this.need(4, what);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  readBigUint64BE(what: string): bigint {
    this.need(8, what);
    const value = this.view.getBigUint64(this.offset, false);
    this.offset += 8;
    return value;
  }

  readBigUint64LE(what: string): bigint {
    this.need(8, what);
    const value = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return value;
  }

  readFloat64BE(what: string): number {
    this.need(8, what);
    const value = this.view.getFloat64(this.offset, false);
    this.offset += 8;
    return value;
  }
}
