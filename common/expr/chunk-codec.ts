import { endianness } from 'node:os';
import { assert } from '../assert.js';
import { CodecError } from '../errors.js';
import { Decimal } from '../types/decimal.js';
import type { Column } from './column.js';

/**
 * The columnar chunk format of coprocessor results (dagpb EncodeType.TypeChunk):
 *
 *   u32 columnCount | u32 rowCount | per column:
 *     u8 kind | NULL bitmap (ceil(rows / 8) bytes, bit i of byte i>>3 = row i is NULL) | values
 *
 * Values by kind: int, time and duration as rows × 8 bytes (little-endian 64-bit),
 * real as rows × 8 bytes (IEEE double, little-endian); bytes and json as rows × u32 end
 * offsets then u32 data length and the data; decimal as rows × (u8 length + the digits
 * in text, e.g. "-12.340"). Fixed-width values are copied as whole arrays, never per row.
 * Integers up to u32 are little-endian.
 */

assert(endianness() === 'LE', 'the chunk codec copies typed arrays as little-endian bytes');

const kindCodes = { int: 1, real: 2, decimal: 3, bytes: 4, json: 5, time: 6, duration: 7 } as const;
const kindsByCode = new Map(Object.entries(kindCodes).map(([kind, code]) => [code as number, kind as Column['kind']]));

export function encodeChunk(columns: readonly Column[]): Uint8Array {
  const rows = columns[0]?.length ?? 0;
  assert(columns.every((column) => column.length === rows), 'every column of a chunk has the same number of rows');
  const parts: Uint8Array[] = [];
  const header = Buffer.alloc(8);
  header.writeUInt32LE(columns.length, 0);
  header.writeUInt32LE(rows, 4);
  parts.push(header);
  const bitmapBytes = (rows + 7) >> 3;
  for (const column of columns) {
    parts.push(Uint8Array.of(kindCodes[column.kind]));
    const bitmap = new Uint8Array(bitmapBytes);
    for (let row = 0; row < rows; row++) if (column.nulls[row] === 1) bitmap[row >> 3]! |= 1 << (row & 7);
    parts.push(bitmap);
    switch (column.kind) {
      case 'int':
      case 'time':
      case 'duration':
      case 'real':
        parts.push(new Uint8Array(column.values.buffer, column.values.byteOffset, rows * 8));
        break;
      case 'bytes':
      case 'json': {
        parts.push(new Uint8Array(column.ends.buffer, column.ends.byteOffset, rows * 4));
        const length = Buffer.alloc(4);
        length.writeUInt32LE(column.data.length);
        parts.push(length, column.data);
        break;
      }
      case 'decimal': {
        for (let row = 0; row < rows; row++) {
          const text = Buffer.from(column.nulls[row] === 1 ? '0' : column.values[row]!.toString(), 'latin1');
          parts.push(Uint8Array.of(text.length), text);
        }
        break;
      }
    }
  }
  return Buffer.concat(parts);
}

/** Decodes a chunk; throws CodecError on truncated or corrupt bytes. */
export function decodeChunk(bytes: Uint8Array): Column[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let offset = 0;
  const need = (count: number, what: string) => {
    if (offset + count > buffer.length) throw new CodecError(`truncated chunk: ${what} needs ${count} bytes at ${offset}, ${buffer.length - offset} left`);
  };
  need(8, 'header');
  const columnCount = buffer.readUInt32LE(0);
  const rows = buffer.readUInt32LE(4);
  offset = 8;
  const columns: Column[] = [];
  for (let index = 0; index < columnCount; index++) {
    need(1, 'column kind');
    const kind = kindsByCode.get(buffer[offset++]!);
    if (kind === undefined) throw new CodecError(`chunk column ${index} has unknown kind ${buffer[offset - 1]}`);
    const bitmapBytes = (rows + 7) >> 3;
    need(bitmapBytes, 'NULL bitmap');
    const nulls = new Uint8Array(rows);
    for (let row = 0; row < rows; row++) nulls[row] = (buffer[offset + (row >> 3)]! >> (row & 7)) & 1;
    offset += bitmapBytes;
    // Copies: the values must be aligned for their typed array.
    const fixed = () => {
      need(rows * 8, `${kind} values`);
      const copy = new Uint8Array(rows * 8);
      copy.set(buffer.subarray(offset, offset + rows * 8));
      offset += rows * 8;
      return copy.buffer;
    };
    switch (kind) {
      case 'int':
      case 'duration':
        columns.push({ kind, length: rows, nulls, values: new BigInt64Array(fixed()) });
        break;
      case 'time':
        columns.push({ kind, length: rows, nulls, values: new BigUint64Array(fixed()) });
        break;
      case 'real':
        columns.push({ kind, length: rows, nulls, values: new Float64Array(fixed()) });
        break;
      case 'bytes':
      case 'json': {
        need(rows * 4 + 4, 'string offsets');
        const ends = new Int32Array(rows);
        for (let row = 0; row < rows; row++) ends[row] = buffer.readInt32LE(offset + row * 4);
        offset += rows * 4;
        const dataLength = buffer.readUInt32LE(offset);
        offset += 4;
        need(dataLength, 'string data');
        let previous = 0;
        for (let row = 0; row < rows; row++) {
          if (ends[row]! < previous || ends[row]! > dataLength) throw new CodecError(`chunk column ${index}: string ${row} ends at ${ends[row]} (data has ${dataLength} bytes)`);
          previous = ends[row]!;
        }
        const data = Uint8Array.from(buffer.subarray(offset, offset + dataLength));
        offset += dataLength;
        columns.push({ kind, length: rows, nulls, data, ends });
        break;
      }
      case 'decimal': {
        const values = new Array<Decimal>(rows);
        for (let row = 0; row < rows; row++) {
          need(1, 'decimal length');
          const length = buffer[offset++]!;
          need(length, 'decimal digits');
          const text = buffer.toString('latin1', offset, offset + length);
          offset += length;
          try {
            values[row] = Decimal.parse(text);
          } catch {
            throw new CodecError(`chunk column ${index}: bad decimal ${JSON.stringify(text)}`);
          }
        }
        columns.push({ kind, length: rows, nulls, values });
        break;
      }
    }
  }
  if (offset !== buffer.length) throw new CodecError(`chunk has ${buffer.length - offset} trailing bytes`);
  return columns;
}
