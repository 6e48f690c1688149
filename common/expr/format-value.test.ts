import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Decimal } from '../types/decimal.js';
import { FieldFlag, FieldTypeCode, newFieldType } from '../types/field-type.js';
import { Duration, MysqlTime } from '../types/time.js';
import { resultTypes } from './eval-type.js';
import { formatValue, formatValueBytes } from './format-value.js';

describe('common/expr formatValue (the text protocol form of a value)', () => {
  test('integers by their sign flag; YEAR and ZEROFILL pad', () => {
    assert.equal(formatValue(-1n, resultTypes.bigint()), '-1');
    assert.equal(formatValue(18446744073709551615n, resultTypes.unsignedBigint()), '18446744073709551615');
    assert.equal(formatValue(-1n, resultTypes.unsignedBigint()), '18446744073709551615', 'a bit pattern read unsigned');
    assert.equal(formatValue(0n, newFieldType(FieldTypeCode.Year)), '0000');
    assert.equal(formatValue(42n, newFieldType(FieldTypeCode.Long, { flags: FieldFlag.Zerofill, length: 5 })), '00042');
    assert.equal(formatValue(null, resultTypes.bigint()), null);
  });

  test('DOUBLE in the shortest form unless its type fixes decimals; FLOAT with 6 digits', () => {
    assert.equal(formatValue(1e15, resultTypes.double()), '1e15');
    assert.equal(formatValue(1e14, resultTypes.double()), '100000000000000');
    assert.equal(formatValue(-0, resultTypes.double()), '0');
    assert.equal(formatValue(1, newFieldType(FieldTypeCode.Double, { decimals: 2 })), '1.00');
    assert.equal(formatValue(Math.fround(0.1), newFieldType(FieldTypeCode.Float)), '0.1');
    assert.equal(formatValue(16777216, newFieldType(FieldTypeCode.Float)), '16777200');
  });

  test('DECIMAL with its type scale', () => {
    assert.equal(formatValue(Decimal.parse('1.5'), resultTypes.decimal(10, 2)), '1.50');
    assert.equal(formatValue(Decimal.parse('1.555'), resultTypes.decimal(10, 2)), '1.56');
    assert.equal(formatValue(Decimal.parse('-1.50'), newFieldType(FieldTypeCode.NewDecimal, { decimals: -1 })), '-1.50');
  });

  test('dates, datetimes and times with the type fsp', () => {
    const time = MysqlTime.parse('2020-02-29 10:11:12.123456', 'datetime', 6);
    assert.equal(formatValue(time, newFieldType(FieldTypeCode.Datetime, { decimals: 6 })), '2020-02-29 10:11:12.123456');
    assert.equal(formatValue(time, newFieldType(FieldTypeCode.Datetime, { decimals: 3 })), '2020-02-29 10:11:12.123');
    assert.equal(formatValue(time, newFieldType(FieldTypeCode.Date)), '2020-02-29');
    assert.equal(formatValue(MysqlTime.zero('date'), newFieldType(FieldTypeCode.Date)), '0000-00-00');
    assert.equal(formatValue(Duration.parse('-838:59:59'), newFieldType(FieldTypeCode.Duration)), '-838:59:59');
    assert.equal(formatValue(Duration.parse('10:11:12.5', 1), newFieldType(FieldTypeCode.Duration, { decimals: 3 })), '10:11:12.500');
  });

  test('strings as UTF-8; binary bytes that are not UTF-8 read as latin1; the bytes themselves unchanged', () => {
    assert.equal(formatValue(Buffer.from('ñandú'), resultTypes.varchar()), 'ñandú');
    const binary = resultTypes.varchar(-1, 'binary');
    assert.equal(formatValue(Uint8Array.from([0x41, 0xff]), binary), 'A\u00ff');
    assert.equal(formatValue(Buffer.from('ñ'), binary), 'ñ');
    assert.deepEqual(formatValueBytes(Uint8Array.from([0x41, 0xff]), binary), Uint8Array.from([0x41, 0xff]));
    assert.deepEqual(formatValueBytes(12n, resultTypes.bigint()), Uint8Array.from([0x31, 0x32]));
  });
});
