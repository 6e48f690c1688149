import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  FieldFlag,
  FieldTypeCode,
  defaultDecimals,
  defaultLength,
  integerRange,
  isBinaryString,
  isInteger,
  isNumeric,
  isString,
  isTemporal,
  isTime,
  isUnsigned,
  newFieldType,
  temporalDisplayLength,
} from './field-type.js';

describe('field types', () => {
  test('protocol codes and flags keep their wire values', () => {
    assert.equal(FieldTypeCode.NewDecimal, 246);
    assert.equal(FieldTypeCode.Duration, 11);
    assert.equal(FieldTypeCode.VarString, 253);
    assert.equal(FieldTypeCode.JSON, 245);
    assert.equal(FieldFlag.Unsigned, 32);
    assert.equal(FieldFlag.Num, 32768);
    assert.equal(FieldFlag.OnUpdateNow, 8192);
  });

  test('classification', () => {
    assert.ok(isInteger(FieldTypeCode.Int24));
    assert.ok(!isInteger(FieldTypeCode.Year));
    assert.ok(isNumeric(FieldTypeCode.Year) && isNumeric(FieldTypeCode.Bit) && isNumeric(FieldTypeCode.NewDecimal));
    assert.ok(isString(FieldTypeCode.VarString) && isString(FieldTypeCode.Blob) && isString(FieldTypeCode.Enum));
    assert.ok(!isString(FieldTypeCode.JSON) && !isString(FieldTypeCode.Long));
    assert.ok(isTime(FieldTypeCode.Timestamp) && !isTime(FieldTypeCode.Duration));
    assert.ok(isTemporal(FieldTypeCode.Duration) && isTemporal(FieldTypeCode.Year));
    assert.ok(isUnsigned({ flags: FieldFlag.Unsigned | FieldFlag.NotNull }));
    assert.ok(!isUnsigned({ flags: FieldFlag.NotNull }));
  });

  test('MySQL default lengths', () => {
    assert.equal(defaultLength(FieldTypeCode.Long), 11);
    assert.equal(defaultLength(FieldTypeCode.Long, true), 10);
    assert.equal(defaultLength(FieldTypeCode.Tiny), 4);
    assert.equal(defaultLength(FieldTypeCode.Tiny, true), 3);
    assert.equal(defaultLength(FieldTypeCode.LongLong, true), 20);
    assert.equal(defaultLength(FieldTypeCode.NewDecimal), 10);
    assert.equal(defaultDecimals(FieldTypeCode.NewDecimal), 0);
    assert.equal(defaultDecimals(FieldTypeCode.Double), -1);
    assert.equal(defaultLength(FieldTypeCode.Enum), -1);
    assert.equal(temporalDisplayLength(FieldTypeCode.Datetime, 3), 23);
    assert.equal(temporalDisplayLength(FieldTypeCode.Duration, 6), 17);
    assert.equal(temporalDisplayLength(FieldTypeCode.Date, 0), 10);
  });

  test('integer ranges', () => {
    assert.deepEqual(integerRange(FieldTypeCode.Tiny, false), { min: -128n, max: 127n });
    assert.deepEqual(integerRange(FieldTypeCode.Int24, true), { min: 0n, max: 16777215n });
    assert.deepEqual(integerRange(FieldTypeCode.LongLong, true), { min: 0n, max: 18446744073709551615n });
    assert.deepEqual(integerRange(FieldTypeCode.LongLong, false), {
      min: -9223372036854775808n,
      max: 9223372036854775807n,
    });
    assert.throws(() => integerRange(FieldTypeCode.Double, false), RangeError);
  });

  test('newFieldType fills in MySQL defaults', () => {
    const unsignedInt = newFieldType(FieldTypeCode.Long, { flags: FieldFlag.Unsigned });
    assert.equal(unsignedInt.length, 10);
    assert.equal(unsignedInt.flags, FieldFlag.Unsigned | FieldFlag.Binary | FieldFlag.Num);
    assert.equal(unsignedInt.charset, 'binary');
    const varchar = newFieldType(FieldTypeCode.VarString, { length: 64 });
    assert.deepEqual(varchar, {
      code: FieldTypeCode.VarString,
      flags: 0,
      length: 64,
      decimals: 0,
      charset: 'utf8mb4',
      collation: 'utf8mb4_bin',
    });
    const enumType = newFieldType(FieldTypeCode.Enum, { elements: ['a', 'b'] });
    assert.deepEqual(enumType.elements, ['a', 'b']);
    assert.ok(isBinaryString(newFieldType(FieldTypeCode.Blob, { charset: 'binary', collation: 'binary' })));
    assert.ok(!isBinaryString(varchar));
  });
});
