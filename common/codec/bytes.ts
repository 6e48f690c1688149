import { CodecError } from '../errors.js';
import { ByteReader, ByteWriter } from './buffer.js';
import { decodeVarintLength, encodeVarint } from './number.js';

/**
 * Memcomparable bytes, as TiDB's `EncodeBytes`: the input is cut into 8-byte groups;
 * each group is written padded with 0x00 to 8 bytes and followed by a marker
 * 0xFF - padCount. A final, possibly empty, group always ends the encoding, so no
 * encoding is a prefix of another and byte order equals the order of the inputs.
 */
const groupSizeBytes = 8;
const marker = 0xff;
const pad = 0x00;

export function encodedBytesLength(length: number): number {
  return (Math.floor(length / groupSizeBytes) + 1) * (groupSizeBytes + 1);
}

export function encodeBytes(writer: ByteWriter, data: Uint8Array): void {
  writer.reserve(encodedBytesLength(data.length));
  for (let index = 0; index <= data.length; index += groupSizeBytes) {
    const remaining = data.length - index;
    if (remaining >= groupSizeBytes) {
      writer.writeBytes(data.subarray(index, index + groupSizeBytes));
      writer.writeByte(marker);
    } else {
      writer.writeBytes(data.subarray(index));
      for (let padIndex = remaining; padIndex < groupSizeBytes; padIndex++) writer.writeByte(pad);
      writer.writeByte(marker - (groupSizeBytes - remaining));
    }
  }
}

export function encodeBytesDesc(writer: ByteWriter, data: Uint8Array): void {
  const start = writer.length;
  encodeBytes(writer, data);
  invertFrom(writer, start);
}

/** Decodes memcomparable bytes; `reader` is left just past the encoding. */
export function decodeBytes(reader: ByteReader): Uint8Array {
  return decodeBytesWith(reader, false);
}

export function decodeBytesDesc(reader: ByteReader): Uint8Array {
  return decodeBytesWith(reader, true);
}

function decodeBytesWith(reader: ByteReader, descending: boolean): Uint8Array {
  const out = decodeGroups(reader.bytes, reader.offset, descending);
  reader.offset = lastEncodingEnd;
  return out;
}

/** Where the encoding decodeGroups last read ends (a second result, so the hot path allocates only its output). */
let lastEncodingEnd = 0;

/**
 * Decodes the memcomparable encoding at `input[start..]`, checking every marker and pad,
 * and sets `lastEncodingEnd`. Hot path (every key a scan returns): reads the array in
 * place, two passes (the length, then an exactly sized copy), no views, no reader.
 */
function decodeGroups(input: Uint8Array, start: number, descending: boolean): Uint8Array {
  const groupBytes = groupSizeBytes + 1;
  let length = 0;
  let groupStart = start;
  for (;; groupStart += groupBytes) {
    if (input.length - groupStart < groupBytes) {
      throw new CodecError(`truncated memcomparable bytes group: need ${groupBytes} bytes at offset ${groupStart}, have ${input.length - groupStart}`);
    }
    const stored = input[groupStart + groupSizeBytes]!;
    const groupMarker = descending ? ~stored & 0xff : stored;
    const padCount = marker - groupMarker;
    if (padCount > groupSizeBytes) throw new CodecError(`invalid memcomparable marker 0x${groupMarker.toString(16)}`);
    const realSize = groupSizeBytes - padCount;
    length += realSize;
    if (padCount === 0) continue;
    const expectedPad = descending ? ~pad & 0xff : pad;
    for (let index = realSize; index < groupSizeBytes; index++) {
      if (input[groupStart + index] !== expectedPad) throw new CodecError('invalid memcomparable padding');
    }
    break;
  }
  lastEncodingEnd = groupStart + groupBytes;
  const out = new Uint8Array(length);
  let written = 0;
  for (let from = start; written < length; from += groupBytes) {
    const take = Math.min(groupSizeBytes, length - written);
    if (descending) for (let index = 0; index < take; index++) out[written++] = ~input[from + index]! & 0xff;
    else for (let index = 0; index < take; index++) out[written++] = input[from + index]!;
  }
  return out;
}

/** Length in bytes of the memcomparable encoding at the reader's offset, without copying. */
export function skipBytes(reader: ByteReader, descending = false): void {
  for (;;) {
    const group = reader.readBytes(groupSizeBytes + 1, 'memcomparable bytes group');
    const groupMarker = descending ? ~group[groupSizeBytes]! & 0xff : group[groupSizeBytes]!;
    const padCount = marker - groupMarker;
    if (padCount > groupSizeBytes) throw new CodecError(`invalid memcomparable marker 0x${groupMarker.toString(16)}`);
    if (padCount !== 0) return;
  }
}

/** Compact bytes: a Go varint length, then the bytes. Not comparable. */
export function encodeCompactBytes(writer: ByteWriter, data: Uint8Array): void {
  encodeVarint(writer, BigInt(data.length));
  writer.writeBytes(data);
}

/** Returns a view into the reader's input. */
export function decodeCompactBytes(reader: ByteReader): Uint8Array {
  const length = decodeVarintLength(reader, 'compact bytes');
  return reader.readBytes(length, 'compact bytes');
}

function invertFrom(writer: ByteWriter, start: number): void {
  const written = writer.written();
  for (let index = start; index < written.length; index++) written[index] = ~written[index]! & 0xff;
}

/** Convenience: the memcomparable encoding of `data` as a fresh array. */
export function memcomparableBytes(data: Uint8Array): Uint8Array {
  const writer = new ByteWriter(encodedBytesLength(data.length));
  encodeBytes(writer, data);
  return writer.finish();
}

export function decodeMemcomparableBytes(encoded: Uint8Array): Uint8Array {
  const out = decodeGroups(encoded, 0, false);
  if (lastEncodingEnd !== encoded.length) throw new CodecError(`${encoded.length - lastEncodingEnd} trailing bytes after memcomparable bytes`);
  return out;
}

/** Unsigned lexicographic comparison, the order LevelDB and every key range use. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const difference = a[index]! - b[index]!;
    if (difference !== 0) return difference < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * The smallest byte string greater than every string that starts with `prefix`, for
 * use as an exclusive range end. When `prefix` is all 0xFF bytes no such string
 * exists and the empty array is returned: an empty end key means "no upper bound"
 * everywhere in TideDB, as in region ranges.
 */
export function prefixNext(prefix: Uint8Array): Uint8Array {
  for (let index = prefix.length - 1; index >= 0; index--) {
    if (prefix[index] !== 0xff) {
      const out = copyBytes(prefix.subarray(0, index + 1));
      out[index] = prefix[index]! + 1;
      return out;
    }
  }
  return new Uint8Array(0);
}

/**
 * A fresh copy of `bytes`. Not `bytes.slice()`: on a node Buffer (what LevelDB, gRPC and
 * protobuf decoding hand out) `slice` returns a view of the same memory, so writing to
 * the "copy" would change the original.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** The smallest key after `key` in byte order: itself with a zero byte appended. */
export function keyAfter(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}

/**
 * The smallest byte string whose memcomparable encoding sorts at or after `boundary`,
 * for any boundary bytes (a region may be split at a raw key that is no encoding). So
 * `encode(k) >= boundary` exactly when `k >= smallestDecodedAtOrAfter(boundary)`.
 */
export function smallestDecodedAtOrAfter(boundary: Uint8Array): Uint8Array {
  const out: number[] = [];
  let offset = 0;
  for (;;) {
    const rest = boundary.subarray(offset);
    if (rest.length <= groupSizeBytes) {
      // No marker to compare with: the rest, padded with zeros, is matched by the rest
      // without its trailing zeros, and the longer encoding sorts after.
      let end = rest.length;
      while (end > 0 && rest[end - 1] === pad) end--;
      out.push(...rest.subarray(0, end));
      return Uint8Array.from(out);
    }
    const data = rest.subarray(0, groupSizeBytes);
    const groupMarker = rest[groupSizeBytes]!;
    // Shortest final group with this data: its bytes past `length` must be padding.
    let shortest = groupSizeBytes;
    while (shortest > 0 && data[shortest - 1] === pad) shortest--;
    for (let length = shortest; length < groupSizeBytes; length++) {
      const finalMarker = marker - (groupSizeBytes - length);
      if (finalMarker > groupMarker || (finalMarker === groupMarker && rest.length === groupSizeBytes + 1)) {
        out.push(...data.subarray(0, length));
        return Uint8Array.from(out);
      }
    }
    // A full group (marker 0xFF) of this data: past any smaller marker, or equal and
    // then decided by what follows.
    out.push(...data);
    if (groupMarker < marker) return Uint8Array.from(out);
    offset += groupSizeBytes + 1;
  }
}

/**
 * A string that names a key exactly, for maps and sets: one latin1 character per byte,
 * so equal keys give equal strings and the strings sort as the keys do.
 */
export function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}
