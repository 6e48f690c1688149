import { bytesDatum, decimalDatum, floatDatum, intDatum, stringDatum, uintDatum, type Datum } from '../common/codec/datum.js';
import { RowDecoder, RowEncoder, type RowColumn, type RowColumnSpec } from '../common/codec/row.js';
import { indexKey, recordKey } from '../common/codec/table.js';
import { Decimal } from '../common/types/decimal.js';
import { Duration, MysqlTime } from '../common/types/time.js';
import { formatMeasurements, measure, type Measurement } from './measure.js';

/** Row encode/decode of a 10-column row of mixed types, and index/record key encoding. */
export function runCodecBench(budgetMs = 1_000): Measurement[] {
  const rows = 1_000;
  const sampleRows: RowColumn[][] = [];
  for (let index = 0; index < rows; index++) {
    sampleRows.push([
      { id: 1, value: intDatum(BigInt(index)) },
      { id: 2, value: intDatum(BigInt(index * 7919 - 500_000)) },
      { id: 3, value: uintDatum(BigInt(index) * 1_000_003n) },
      { id: 4, value: floatDatum(index / 3) },
      { id: 5, value: stringDatum(`name-${index}`) },
      { id: 6, value: stringDatum(`a longer comment text for row number ${index}, with some padding`) },
      { id: 7, value: decimalDatum(Decimal.parse(`${index}.25`), 12, 2) },
      { id: 8, value: { kind: 'time', value: MysqlTime.parse('2026-11-21 12:34:56', 'datetime', 0) } },
      { id: 9, value: { kind: 'duration', value: Duration.parse('12:34:56', 0) } },
      { id: 10, value: index % 3 === 0 ? { kind: 'null' } : bytesDatum(Uint8Array.of(index & 0xff)) },
    ]);
  }
  const encoder = new RowEncoder();
  const encoded = sampleRows.map((row) => encoder.encode(row));
  const allColumns: RowColumnSpec[] = [
    { id: 1, type: { kind: 'int' } },
    { id: 2, type: { kind: 'int' } },
    { id: 3, type: { kind: 'uint' } },
    { id: 4, type: { kind: 'float' } },
    { id: 5, type: { kind: 'bytes' } },
    { id: 6, type: { kind: 'bytes' } },
    { id: 7, type: { kind: 'decimal' } },
    { id: 8, type: { kind: 'time', timeType: 'datetime', fsp: 0 } },
    { id: 9, type: { kind: 'duration', fsp: 0 } },
    { id: 10, type: { kind: 'bytes' } },
  ];
  const fullDecoder = new RowDecoder(allColumns);
  const twoColumnDecoder = new RowDecoder([allColumns[1]!, allColumns[6]!]);
  const indexValues: Datum[][] = sampleRows.map((row) => [row[4]!.value, row[1]!.value]);

  let sink = 0;
  const results = [
    measure('row encode (10 mixed columns)', () => {
      for (const row of sampleRows) sink += encoder.encode(row).length;
      return rows;
    }, budgetMs),
    measure('row decode, all 10 columns', () => {
      for (const row of encoded) sink += fullDecoder.decode(row).length;
      return rows;
    }, budgetMs),
    measure('row decode, 2 of 10 columns', () => {
      for (const row of encoded) sink += twoColumnDecoder.decode(row).length;
      return rows;
    }, budgetMs),
    measure('index key encode (string, int + handle)', () => {
      for (let index = 0; index < rows; index++) sink += indexKey(45n, 2n, indexValues[index]!, BigInt(index)).length;
      return rows;
    }, budgetMs),
    measure('record key encode', () => {
      for (let index = 0; index < rows; index++) sink += recordKey(45n, BigInt(index)).length;
      return rows;
    }, budgetMs),
  ];
  if (sink === 0) throw new Error('benchmark produced nothing');
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(formatMeasurements('codec', runCodecBench()));
}
