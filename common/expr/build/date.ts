import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { FieldTypeCode, type FieldType, newFieldType, temporalDisplayLength } from '../../types/field-type.js';
import { hasMicrosecondPart, isDateOnlyUnit, isSimpleUnit, type IntervalUnit, parseIntervalUnit } from '../../types/interval.js';
import { ExprError } from '../context.js';
import { evalTypeOf, resultTypes } from '../eval-type.js';
import { call, constant, type Expr } from '../expr.js';
import { castAs } from './cast.js';
import { BuildErrorCode, defineFunction } from './registry.js';
import { decimalType, defaultStringCollation, isNullType } from './types.js';

/**
 * Rules for the date and time functions. Arguments of other types are converted as MySQL
 * converts them: a string or number argument of a date function becomes a DATETIME (with
 * MySQL's fuzzy reading, so '2019-00-00' keeps its zero month for MONTH()), an argument of
 * HOUR/MINUTE/SECOND/TIME_TO_SEC becomes a TIME. The clock functions (NOW, CURDATE,
 * UNIX_TIMESTAMP()) are refused here: their value belongs to the statement, which the
 * SQL layer evaluates before building expressions.
 */

const decoder = new TextDecoder();

function datetimeType(fsp: number): FieldType {
  return newFieldType(FieldTypeCode.Datetime, { decimals: fsp, length: temporalDisplayLength(FieldTypeCode.Datetime, fsp) });
}

function dateType(): FieldType {
  return newFieldType(FieldTypeCode.Date, { decimals: 0 });
}

function timeType(fsp: number): FieldType {
  return newFieldType(FieldTypeCode.Duration, { decimals: fsp, length: temporalDisplayLength(FieldTypeCode.Duration, fsp) });
}

function intType(length: number): FieldType {
  return newFieldType(FieldTypeCode.LongLong, { length });
}

function varchar(length: number): FieldType {
  return resultTypes.varchar(length, defaultStringCollation);
}

/** The text of a string constant, or undefined for anything else. */
function constantText(expr: Expr): string | undefined {
  if (expr.kind !== 'constant' || !(expr.value instanceof Uint8Array)) return undefined;
  return decoder.decode(expr.value);
}

/**
 * Fractional digits a value of `expr` has as a time: a constant string's own digits (MySQL
 * looks at a constant, Item::datetime_precision), 6 for other strings and doubles, a
 * decimal's scale, an integer's 0, a temporal type's fsp.
 */
function temporalPrecisionOf(expr: Expr): number {
  const type = expr.type;
  if (isNullType(type)) return 0;
  switch (evalTypeOf(type)) {
    case 'int':
      return 0;
    case 'decimal':
      return Math.min(Math.max(type.decimals, 0), 6);
    case 'time':
    case 'duration':
      return Math.min(Math.max(type.decimals, 0), 6);
    case 'bytes': {
      const value = constantText(expr);
      if (value === undefined) return 6;
      const fraction = /\.(\d*)\s*$/.exec(value);
      return fraction === null ? 0 : Math.min(fraction[1]!.length, 6);
    }
    default:
      return 6;
  }
}

/** `expr` as a DATE/DATETIME/TIMESTAMP: temporal types stay, others become DATETIME. */
function asTime(expr: Expr): Expr {
  if (evalTypeOf(expr.type) === 'time' && !isNullType(expr.type)) return expr;
  return castAs(expr, datetimeType(temporalPrecisionOf(expr)));
}

/** `expr` as a TIME (a datetime's time of day). */
function asDuration(expr: Expr): Expr {
  if (evalTypeOf(expr.type) === 'duration') return expr;
  return castAs(expr, timeType(temporalPrecisionOf(expr)));
}

/**
 * Fractional digits of a number argument (SEC_TO_TIME, FROM_UNIXTIME): MySQL uses its
 * decimals, 0 for an integer, the scale of a decimal, 6 for doubles and strings.
 */
function numericPrecisionOf(expr: Expr): number {
  if (isNullType(expr.type)) return 0;
  const evalType = evalTypeOf(expr.type);
  if (evalType === 'int') return 0;
  if (evalType === 'decimal' || evalType === 'time' || evalType === 'duration') return Math.min(Math.max(expr.type.decimals, 0), 6);
  return 6;
}

function asDecimal(expr: Expr): Expr {
  const evalType = evalTypeOf(expr.type);
  if (evalType === 'decimal') return expr;
  if (evalType === 'int' && !isNullType(expr.type)) return castAs(expr, decimalType(Math.max(expr.type.length, 1), 0));
  return castAs(expr, decimalType(65, 30));
}

function asString(expr: Expr): Expr {
  if (evalTypeOf(expr.type) === 'bytes') return expr;
  return castAs(expr, varchar(-1));
}

function asInt(expr: Expr): Expr {
  if (evalTypeOf(expr.type) === 'int') return expr;
  return castAs(expr, intType(20));
}

/** A unit written as a string constant (the parser passes `INTERVAL v DAY` as 'DAY'). */
function unitOf(expr: Expr, functionName: string): IntervalUnit {
  const name = constantText(expr);
  const unit = name === undefined ? undefined : parseIntervalUnit(name);
  if (unit === undefined) throw new ExprError(BuildErrorCode.wrongArguments, `Incorrect arguments to ${functionName}`);
  return unit;
}

function unitConstant(unit: IntervalUnit): Expr {
  return constant(new TextEncoder().encode(unit), varchar(unit.length));
}

/** One-argument functions over a date: the argument becomes a time, the result an integer. */
function defineDatePart(name: string, sig: Sig, length: number, aliases: readonly string[] = []): void {
  defineFunction({ name, minArgs: 1, maxArgs: 1, build: ([value]) => call(sig, [asTime(value!)], intType(length)) }, aliases);
}

defineDatePart('year', Sig.Year, 4);
defineDatePart('month', Sig.Month, 2);
defineDatePart('dayofmonth', Sig.DayOfMonth, 2, ['day']);
defineDatePart('dayofweek', Sig.DayOfWeek, 1);
defineDatePart('dayofyear', Sig.DayOfYear, 3);
defineDatePart('quarter', Sig.Quarter, 1);
defineDatePart('weekofyear', Sig.WeekOfYear, 2);
defineDatePart('to_days', Sig.ToDays, 7);

defineFunction({
  name: 'week',
  minArgs: 1,
  maxArgs: 2,
  build: (args) => call(Sig.Week, args.length === 1 ? [asTime(args[0]!)] : [asTime(args[0]!), asInt(args[1]!)], intType(2)),
});

function defineTimePart(name: string, sig: Sig, length: number): void {
  defineFunction({ name, minArgs: 1, maxArgs: 1, build: ([value]) => call(sig, [asDuration(value!)], intType(length)) });
}

defineTimePart('hour', Sig.Hour, 3);
defineTimePart('minute', Sig.Minute, 2);
defineTimePart('second', Sig.Second, 2);
defineTimePart('microsecond', Sig.MicroSecond, 6);
defineTimePart('time_to_sec', Sig.TimeToSec, 10);

defineFunction({ name: 'date', minArgs: 1, maxArgs: 1, build: ([value]) => call(Sig.Date, [asTime(value!)], dateType()) });
defineFunction({ name: 'last_day', minArgs: 1, maxArgs: 1, build: ([value]) => call(Sig.LastDay, [asTime(value!)], dateType()) });
defineFunction({ name: 'monthname', minArgs: 1, maxArgs: 1, build: ([value]) => call(Sig.MonthName, [asTime(value!)], varchar(9)) });
defineFunction({ name: 'dayname', minArgs: 1, maxArgs: 1, build: ([value]) => call(Sig.DayName, [asTime(value!)], varchar(9)) });
defineFunction({ name: 'datediff', minArgs: 2, maxArgs: 2, build: ([left, right]) => call(Sig.DateDiff, [asTime(left!), asTime(right!)], intType(11)) });

defineFunction({
  name: 'timestampdiff',
  minArgs: 3,
  maxArgs: 3,
  build: ([unitExpr, begin, end]) => {
    const unit = unitOf(unitExpr!, 'timestampdiff');
    if (!isSimpleUnit(unit)) throw new ExprError(BuildErrorCode.wrongArguments, 'Incorrect arguments to timestampdiff');
    return call(Sig.TimestampDiff, [unitConstant(unit), asTime(begin!), asTime(end!)], intType(20));
  },
});

defineFunction({
  name: 'sec_to_time',
  minArgs: 1,
  maxArgs: 1,
  build: ([value]) => call(Sig.SecToTime, [asDecimal(value!)], timeType(numericPrecisionOf(value!))),
});

defineFunction({
  name: 'date_format',
  minArgs: 2,
  maxArgs: 2,
  build: ([value, format]) => {
    const formatExpr = asString(format!);
    const formatLength = formatExpr.type.length > 0 ? formatExpr.type.length : 64;
    // Up to 10 characters per format character ('%W' is at most 'Wednesday'). The result is
    // text in the connection's character set whatever the format's (MySQL's
    // Item_func_date_format), so a binary format does not make it binary.
    return call(Sig.DateFormat, [asTime(value!), formatExpr], varchar(formatLength * 10));
  },
});

defineFunction({
  name: 'unix_timestamp',
  minArgs: 0,
  maxArgs: 1,
  build: (args) => {
    if (args.length === 0) throw new ExprError(BuildErrorCode.unsupported, 'UNIX_TIMESTAMP() depends on the clock: the SQL layer evaluates it for the statement');
    const value = asTime(args[0]!);
    const fsp = temporalPrecisionOf(args[0]!);
    if (fsp === 0) return call(Sig.UnixTimestampInt, [value], intType(11));
    return call(Sig.UnixTimestampDecimal, [value], decimalType(11 + fsp + 1, fsp));
  },
});

defineFunction({
  name: 'from_unixtime',
  minArgs: 1,
  maxArgs: 2,
  build: (args) => {
    const seconds = asDecimal(args[0]!);
    if (args.length === 1) return call(Sig.FromUnixTime1Arg, [seconds], datetimeType(numericPrecisionOf(args[0]!)));
    const format = asString(args[1]!);
    return call(Sig.FromUnixTime2Arg, [seconds, format], varchar((format.type.length > 0 ? format.type.length : 64) * 10));
  },
});

defineFunction({
  name: 'extract',
  minArgs: 2,
  maxArgs: 2,
  build: ([unitExpr, value]) => {
    const unit = unitOf(unitExpr!, 'extract');
    const length = unit.endsWith('MICROSECOND') ? 20 : 11;
    const timeOnly = !unit.includes('YEAR') && !unit.includes('MONTH') && !unit.includes('QUARTER') && !unit.includes('WEEK') && !unit.includes('DAY');
    const argType = evalTypeOf(value!.type);
    // MySQL reads the value as a TIME for time-only units (EXTRACT(HOUR FROM '100:00:00')
    // is 100), as a date otherwise; a TIME argument keeps its own parts for day units.
    if ((timeOnly && argType !== 'time') || argType === 'duration') {
      return call(Sig.ExtractDuration, [unitConstant(unit), asDuration(value!)], intType(length));
    }
    return call(Sig.ExtractDatetime, [unitConstant(unit), asTime(value!)], intType(length));
  },
});

/**
 * The interval value as the signatures take it, text: numbers for simple units other than
 * SECOND are first rounded to integers (MySQL reads them with val_int); SECOND keeps a
 * decimal's fraction; composite units read the number's text ('1.5' HOUR_MINUTE is 1:05).
 */
function intervalValue(value: Expr, unit: IntervalUnit): Expr {
  const evalType = evalTypeOf(value.type);
  if (isSimpleUnit(unit) && unit !== 'SECOND' && evalType !== 'int' && evalType !== 'bytes' && !isNullType(value.type)) {
    return asString(asInt(value));
  }
  return asString(value);
}

/** Fractional digits an interval adds to a result. */
function intervalPrecision(value: Expr, unit: IntervalUnit): number {
  if (hasMicrosecondPart(unit)) return 6;
  if (unit !== 'SECOND') return 0;
  const evalType = evalTypeOf(value.type);
  if (evalType === 'int') return 0;
  if (evalType === 'decimal') return Math.min(Math.max(value.type.decimals, 0), 6);
  return 6;
}

function buildDateAdd(args: readonly Expr[], subtract: boolean): Expr {
  const [value, amount, unitExpr] = args as [Expr, Expr, Expr];
  const unit = unitOf(unitExpr, subtract ? 'date_sub' : 'date_add');
  const interval = intervalValue(amount, unit);
  const unitArg = unitConstant(unit);
  const fsp = intervalPrecision(amount, unit);
  const argType = evalTypeOf(value.type);
  if (argType === 'time' && !isNullType(value.type)) {
    const isDate = value.type.code === FieldTypeCode.Date || value.type.code === FieldTypeCode.NewDate;
    const resultType = isDate && isDateOnlyUnit(unit) ? dateType() : datetimeType(Math.max(isDate ? 0 : Math.min(Math.max(value.type.decimals, 0), 6), fsp));
    return call(subtract ? Sig.SubDateTimeInterval : Sig.AddDateTimeInterval, [value, interval, unitArg], resultType);
  }
  if (argType === 'duration') {
    const resultType = timeType(Math.max(Math.min(Math.max(value.type.decimals, 0), 6), fsp));
    return call(subtract ? Sig.SubDateDurationInterval : Sig.AddDateDurationInterval, [value, interval, unitArg], resultType);
  }
  // Strings and numbers: a string result, a date or a datetime by row.
  return call(subtract ? Sig.SubDateStringInterval : Sig.AddDateStringInterval, [asString(value), interval, unitArg], varchar(26));
}

defineFunction({ name: 'date_add', minArgs: 3, maxArgs: 3, build: (args) => buildDateAdd(args, false) });
defineFunction({ name: 'date_sub', minArgs: 3, maxArgs: 3, build: (args) => buildDateAdd(args, true) });

/** ADDDATE(x, n) and SUBDATE(x, n) add days; the INTERVAL forms reach date_add/date_sub. */
function dayShortcut(subtract: boolean) {
  return (args: readonly Expr[]): Expr => {
    if (args.length === 3) return buildDateAdd(args, subtract);
    return buildDateAdd([args[0]!, args[1]!, unitConstant('DAY')], subtract);
  };
}

defineFunction({ name: 'adddate', minArgs: 2, maxArgs: 3, build: dayShortcut(false) });
defineFunction({ name: 'subdate', minArgs: 2, maxArgs: 3, build: dayShortcut(true) });

function clockFunction(name: string, aliases: readonly string[] = []): void {
  defineFunction(
    {
      name,
      minArgs: 0,
      maxArgs: 1,
      build: () => {
        throw new ExprError(BuildErrorCode.unsupported, `${name.toUpperCase()}() depends on the clock: the SQL layer evaluates it for the statement`);
      },
    },
    aliases,
  );
}

clockFunction('now', ['current_timestamp', 'localtime', 'localtimestamp', 'sysdate']);
clockFunction('curdate', ['current_date']);
clockFunction('curtime', ['current_time']);
clockFunction('utc_timestamp');
clockFunction('utc_date');
clockFunction('utc_time');
