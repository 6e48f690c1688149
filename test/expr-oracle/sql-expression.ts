import { buildExplicitCast, type CastTarget } from '../../common/expr/build/cast-call.js';
import { buildFunction } from '../../common/expr/build/index.js';
import { defaultStringCollation } from '../../common/expr/build/types.js';
import { constant, type Expr } from '../../common/expr/expr.js';
import { resultTypes } from '../../common/expr/eval-type.js';
import { Decimal } from '../../common/types/decimal.js';
import { FieldFlag, FieldTypeCode, newFieldType } from '../../common/types/field-type.js';
import { Duration, MysqlTime } from '../../common/types/time.js';

/**
 * A parser for constant SQL expressions, `SELECT <expr>` without FROM, into common/expr
 * calls built through the function rules. It exists for the differential test against
 * MariaDB: node-sql-parser reads `-9223372036854775808` as a JS number, `1e3` as a column
 * and rejects `<=>` and `SUBSTRING(s FROM a FOR b)`, so the test would otherwise compare
 * the parser's mistakes. MySQL's operator precedence, literal typing and special call
 * syntaxes (CAST, CONVERT, EXTRACT, TRIM, SUBSTRING, POSITION, INTERVAL) are followed.
 */
export class SqlSyntaxError extends Error {
  override readonly name = 'SqlSyntaxError';
}

type Token =
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'string'; readonly bytes: Uint8Array }
  | { readonly kind: 'hex'; readonly bytes: Uint8Array }
  | { readonly kind: 'word'; readonly text: string; readonly upper: string }
  | { readonly kind: 'symbol'; readonly text: string }
  | { readonly kind: 'end' };

const symbols = ['<=>', '<<', '>>', '<=', '>=', '<>', '!=', '&&', '||', ':=', '=', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '(', ')', ','];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  while (offset < text.length) {
    const character = text[offset]!;
    if (/\s/.test(character)) {
      offset++;
      continue;
    }
    if (/[0-9]/.test(character) || (character === '.' && /[0-9]/.test(text[offset + 1] ?? ''))) {
      const match = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(text.slice(offset))!;
      tokens.push({ kind: 'number', text: match[0] });
      offset += match[0].length;
      continue;
    }
    if ((character === 'x' || character === 'X') && text[offset + 1] === "'") {
      const end = text.indexOf("'", offset + 2);
      if (end < 0) throw new SqlSyntaxError('unterminated hex literal');
      const digits = text.slice(offset + 2, end);
      if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) throw new SqlSyntaxError(`bad hex literal x'${digits}'`);
      tokens.push({ kind: 'hex', bytes: Uint8Array.from(Buffer.from(digits, 'hex')) });
      offset = end + 1;
      continue;
    }
    if (character === "'" || character === '"') {
      const [bytes, next] = readString(text, offset);
      tokens.push({ kind: 'string', bytes });
      offset = next;
      continue;
    }
    if (/[A-Za-z_]/.test(character)) {
      const match = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(text.slice(offset))!;
      tokens.push({ kind: 'word', text: match[0], upper: match[0].toUpperCase() });
      offset += match[0].length;
      continue;
    }
    const symbol = symbols.find((each) => text.startsWith(each, offset));
    if (symbol === undefined) throw new SqlSyntaxError(`unexpected character '${character}' at ${offset}`);
    tokens.push({ kind: 'symbol', text: symbol });
    offset += symbol.length;
  }
  tokens.push({ kind: 'end' });
  return tokens;
}

/** A quoted string with MySQL's escapes (backslash escapes on, a doubled quote is a quote). */
function readString(text: string, start: number): [Uint8Array, number] {
  const quote = text[start]!;
  let out = '';
  let offset = start + 1;
  while (offset < text.length) {
    const character = text[offset]!;
    if (character === '\\' && offset + 1 < text.length) {
      const next = text[offset + 1]!;
      const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', Z: '\x1a', '\\': '\\', "'": "'", '"': '"' };
      // \% and \_ keep their backslash, so LIKE patterns can use them.
      out += escapes[next] ?? (next === '%' || next === '_' ? `\\${next}` : next);
      offset += 2;
      continue;
    }
    if (character === quote) {
      if (text[offset + 1] === quote) {
        out += quote;
        offset += 2;
        continue;
      }
      return [Uint8Array.from(Buffer.from(out, 'utf8')), offset + 1];
    }
    out += character;
    offset++;
  }
  throw new SqlSyntaxError('unterminated string literal');
}

const intervalUnits = new Set([
  'MICROSECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR', 'SECOND_MICROSECOND', 'MINUTE_MICROSECOND', 'MINUTE_SECOND',
  'HOUR_MICROSECOND', 'HOUR_SECOND', 'HOUR_MINUTE', 'DAY_MICROSECOND', 'DAY_SECOND', 'DAY_MINUTE', 'DAY_HOUR', 'YEAR_MONTH',
]);

const comparisonOperators = new Set(['=', '<=>', '<', '<=', '>', '>=', '<>', '!=']);

/** Binding powers, MySQL's precedence from loosest to tightest. */
const precedence = {
  or: 1,
  xor: 2,
  and: 3,
  not: 4,
  comparison: 6,
  bitOr: 7,
  bitAnd: 8,
  shift: 9,
  additive: 10,
  multiplicative: 11,
  bitXor: 12,
  unary: 13,
  collate: 15,
} as const;

interface Interval {
  readonly value: Expr;
  readonly unit: string;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): Expr {
    const expr = this.expression(0);
    if (this.peek().kind !== 'end') throw new SqlSyntaxError(`unexpected ${describe(this.peek())} after the expression`);
    return expr;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.position + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    this.position++;
    return token;
  }

  private isWord(word: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'word' && token.upper === word;
  }

  private isSymbol(symbol: string): boolean {
    const token = this.peek();
    return token.kind === 'symbol' && token.text === symbol;
  }

  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.position++;
    return true;
  }

  private acceptSymbol(symbol: string): boolean {
    if (!this.isSymbol(symbol)) return false;
    this.position++;
    return true;
  }

  private expectSymbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) throw new SqlSyntaxError(`expected '${symbol}', found ${describe(this.peek())}`);
  }

  private expectWord(word: string): void {
    if (!this.acceptWord(word)) throw new SqlSyntaxError(`expected ${word}, found ${describe(this.peek())}`);
  }

  /** Precedence climbing: parses operators that bind tighter than `minimum`. */
  private expression(minimum: number): Expr {
    let left = this.prefix();
    for (;;) {
      const token = this.peek();
      const infix = this.infixPower(token);
      if (infix === undefined || infix <= minimum) return left;
      left = this.infix(left, infix);
    }
  }

  private infixPower(token: Token): number | undefined {
    if (token.kind === 'symbol') {
      const text = token.text;
      if (text === '||') return precedence.or;
      if (text === '&&') return precedence.and;
      if (comparisonOperators.has(text)) return precedence.comparison;
      if (text === '|') return precedence.bitOr;
      if (text === '&') return precedence.bitAnd;
      if (text === '<<' || text === '>>') return precedence.shift;
      if (text === '+' || text === '-') return precedence.additive;
      if (text === '*' || text === '/' || text === '%') return precedence.multiplicative;
      if (text === '^') return precedence.bitXor;
      return undefined;
    }
    if (token.kind !== 'word') return undefined;
    switch (token.upper) {
      case 'OR':
        return precedence.or;
      case 'XOR':
        return precedence.xor;
      case 'AND':
        return precedence.and;
      case 'IS':
      case 'LIKE':
      case 'IN':
      case 'BETWEEN':
        return precedence.comparison;
      case 'NOT':
        // a NOT LIKE / NOT IN / NOT BETWEEN b.
        return this.isWord('LIKE', 1) || this.isWord('IN', 1) || this.isWord('BETWEEN', 1) ? precedence.comparison : undefined;
      case 'DIV':
      case 'MOD':
        return precedence.multiplicative;
      case 'COLLATE':
        return precedence.collate;
      default:
        return undefined;
    }
  }

  private infix(left: Expr, power: number): Expr {
    const token = this.next();
    if (token.kind === 'symbol') {
      const operator = token.text === '||' ? 'or' : token.text === '&&' ? 'and' : token.text;
      if ((operator === '+' || operator === '-') && this.isWord('INTERVAL')) {
        const interval = this.interval();
        return buildFunction(operator === '+' ? 'date_add' : 'date_sub', [left, interval.value, unitConstant(interval.unit)]);
      }
      // Comparisons do not chain to the right: a = b = c is (a = b) = c.
      const right = this.expression(power);
      return buildFunction(operator, [left, right]);
    }
    if (token.kind !== 'word') throw new SqlSyntaxError(`unexpected ${describe(token)}`);
    switch (token.upper) {
      case 'OR':
      case 'XOR':
      case 'AND':
        return buildFunction(token.upper.toLowerCase(), [left, this.expression(power)]);
      case 'DIV':
        return buildFunction('div', [left, this.expression(power)]);
      case 'MOD':
        return buildFunction('%', [left, this.expression(power)]);
      case 'COLLATE': {
        const name = this.next();
        if (name.kind !== 'word' && name.kind !== 'string') throw new SqlSyntaxError('expected a collation name');
        const collation = name.kind === 'word' ? name.text.toLowerCase() : Buffer.from(name.bytes).toString();
        if (left.kind !== 'constant') throw new SqlSyntaxError('COLLATE applies to literals here');
        return constant(left.value, { ...left.type, collation, charset: collation === 'binary' ? 'binary' : 'utf8mb4' });
      }
      case 'IS': {
        const negated = this.acceptWord('NOT');
        let result: Expr;
        if (this.acceptWord('NULL')) result = buildFunction('is null', [left]);
        else if (this.acceptWord('TRUE')) result = buildFunction('is true', [left]);
        else if (this.acceptWord('FALSE')) result = buildFunction('is false', [left]);
        else if (this.acceptWord('UNKNOWN')) result = buildFunction('is null', [left]);
        else throw new SqlSyntaxError(`expected NULL, TRUE, FALSE or UNKNOWN after IS, found ${describe(this.peek())}`);
        return negated ? buildFunction('not', [result]) : result;
      }
      case 'NOT': {
        const inner = this.infix(left, power);
        return buildFunction('not', [inner]);
      }
      case 'LIKE': {
        const pattern = this.expression(precedence.comparison);
        const args = [left, pattern];
        if (this.acceptWord('ESCAPE')) args.push(this.expression(precedence.comparison));
        return buildFunction('like', args);
      }
      case 'IN': {
        this.expectSymbol('(');
        const list = this.list();
        this.expectSymbol(')');
        return buildFunction('in', [left, ...list]);
      }
      case 'BETWEEN': {
        const low = this.expression(precedence.comparison);
        this.expectWord('AND');
        const high = this.expression(precedence.comparison);
        return buildFunction('between', [left, low, high]);
      }
      default:
        throw new SqlSyntaxError(`unexpected ${token.text}`);
    }
  }

  private list(): Expr[] {
    const items = [this.expression(0)];
    while (this.acceptSymbol(',')) items.push(this.expression(0));
    return items;
  }

  private prefix(): Expr {
    const token = this.next();
    switch (token.kind) {
      case 'number':
        return numberLiteral(token.text);
      case 'string':
        return stringLiteral(token.bytes);
      case 'hex':
        return constant(token.bytes, newFieldType(FieldTypeCode.VarString, { length: token.bytes.length, charset: 'binary', collation: 'binary', flags: FieldFlag.Binary }));
      case 'symbol':
        return this.prefixSymbol(token.text);
      case 'word':
        return this.prefixWord(token.text, token.upper);
      case 'end':
        throw new SqlSyntaxError('unexpected end of the expression');
    }
  }

  private prefixSymbol(symbol: string): Expr {
    switch (symbol) {
      case '(': {
        const inner = this.expression(0);
        this.expectSymbol(')');
        return inner;
      }
      case '-': {
        // A minus before a number literal is part of the literal (MySQL reads
        // -9223372036854775808 as a BIGINT, not as the negation of an unsigned value).
        const next = this.peek();
        if (next.kind === 'number' && this.infixPower(this.peek(1)) !== precedence.bitXor) {
          this.position++;
          return numberLiteral(`-${next.text}`);
        }
        return buildFunction('unary -', [this.expression(precedence.unary)]);
      }
      case '+':
        return this.expression(precedence.unary);
      case '~':
        return buildFunction('~', [this.expression(precedence.unary)]);
      case '!':
        return buildFunction('not', [this.expression(precedence.unary)]);
      default:
        throw new SqlSyntaxError(`unexpected '${symbol}'`);
    }
  }

  private prefixWord(text: string, upper: string): Expr {
    switch (upper) {
      case 'NULL':
        return constant(null, newFieldType(FieldTypeCode.Null));
      case 'TRUE':
        return constant(1n, resultTypes.boolean());
      case 'FALSE':
        return constant(0n, resultTypes.boolean());
      case 'NOT':
        return buildFunction('not', [this.expression(precedence.not)]);
      case 'BINARY':
        return buildExplicitCast(this.expression(precedence.unary), { kind: 'binary' });
      case 'DATE':
      case 'TIME':
      case 'TIMESTAMP':
        if (this.peek().kind === 'string') return temporalLiteral(upper, Buffer.from((this.next() as { bytes: Uint8Array }).bytes).toString());
        break;
      case 'CASE':
        return this.caseExpression();
      case 'INTERVAL': {
        // INTERVAL v unit + x.
        this.position--;
        const interval = this.interval();
        this.expectSymbol('+');
        const target = this.expression(precedence.additive);
        return buildFunction('date_add', [target, interval.value, unitConstant(interval.unit)]);
      }
      default:
        break;
    }
    if (!this.isSymbol('(')) throw new SqlSyntaxError(`unknown word ${text} (columns are not supported here)`);
    this.position++;
    return this.call(text.toLowerCase(), upper);
  }

  /** A call after its opening parenthesis. */
  private call(name: string, upper: string): Expr {
    switch (upper) {
      case 'CAST': {
        const value = this.expression(0);
        this.expectWord('AS');
        const target = this.castTarget();
        this.expectSymbol(')');
        return buildExplicitCast(value, target);
      }
      case 'CONVERT': {
        const value = this.expression(0);
        this.expectSymbol(',');
        const target = this.castTarget();
        this.expectSymbol(')');
        return buildExplicitCast(value, target);
      }
      case 'EXTRACT': {
        const unit = this.unit();
        this.expectWord('FROM');
        const value = this.expression(0);
        this.expectSymbol(')');
        return buildFunction('extract', [unitConstant(unit), value]);
      }
      case 'TRIM':
        return this.trim();
      case 'TIMESTAMPDIFF': {
        // The unit is a bare keyword: TIMESTAMPDIFF(MONTH, a, b).
        const unit = this.unit();
        this.expectSymbol(',');
        const args = this.list();
        this.expectSymbol(')');
        return buildFunction('timestampdiff', [unitConstant(unit), ...args]);
      }
      case 'SUBSTRING':
      case 'SUBSTR':
      case 'MID': {
        const value = this.expression(0);
        if (this.acceptWord('FROM')) {
          const args = [value, this.expression(0)];
          if (this.acceptWord('FOR')) args.push(this.expression(0));
          this.expectSymbol(')');
          return buildFunction(name, args);
        }
        const args = [value];
        while (this.acceptSymbol(',')) args.push(this.expression(0));
        this.expectSymbol(')');
        return buildFunction(name, args);
      }
      case 'POSITION': {
        const needle = this.expression(precedence.comparison);
        this.expectWord('IN');
        const haystack = this.expression(0);
        this.expectSymbol(')');
        return buildFunction('locate', [needle, haystack]);
      }
      case 'DATE_ADD':
      case 'DATE_SUB':
      case 'ADDDATE':
      case 'SUBDATE': {
        const target = this.expression(0);
        this.expectSymbol(',');
        if (this.isWord('INTERVAL')) {
          const interval = this.interval();
          this.expectSymbol(')');
          return buildFunction(upper === 'DATE_ADD' || upper === 'ADDDATE' ? 'date_add' : 'date_sub', [target, interval.value, unitConstant(interval.unit)]);
        }
        const days = this.expression(0);
        this.expectSymbol(')');
        return buildFunction(name, [target, days]);
      }
      default:
        break;
    }
    const args = this.isSymbol(')') ? [] : this.list();
    this.expectSymbol(')');
    return buildFunction(name, args);
  }

  private trim(): Expr {
    let direction = 0n;
    let hasDirection = false;
    if (this.acceptWord('BOTH')) hasDirection = true;
    else if (this.acceptWord('LEADING')) [direction, hasDirection] = [1n, true];
    else if (this.acceptWord('TRAILING')) [direction, hasDirection] = [2n, true];
    if (hasDirection && this.acceptWord('FROM')) {
      const value = this.expression(0);
      this.expectSymbol(')');
      return buildFunction('trim', [value, stringLiteral(Uint8Array.of(0x20)), constant(direction, resultTypes.bigint())]);
    }
    const first = this.expression(0);
    if (this.acceptWord('FROM')) {
      const value = this.expression(0);
      this.expectSymbol(')');
      return buildFunction('trim', hasDirection ? [value, first, constant(direction, resultTypes.bigint())] : [value, first]);
    }
    this.expectSymbol(')');
    return buildFunction('trim', [first]);
  }

  private caseExpression(): Expr {
    const operand = this.isWord('WHEN') ? undefined : this.expression(0);
    const args: Expr[] = [];
    while (this.acceptWord('WHEN')) {
      const condition = this.expression(0);
      this.expectWord('THEN');
      args.push(operand === undefined ? condition : buildFunction('=', [operand, condition]), this.expression(0));
    }
    if (args.length === 0) throw new SqlSyntaxError('CASE without WHEN');
    if (this.acceptWord('ELSE')) args.push(this.expression(0));
    this.expectWord('END');
    return buildFunction('case', args);
  }

  private interval(): Interval {
    this.expectWord('INTERVAL');
    const value = this.expression(precedence.additive);
    return { value, unit: this.unit() };
  }

  private unit(): string {
    const token = this.next();
    if (token.kind !== 'word' || !intervalUnits.has(token.upper)) throw new SqlSyntaxError(`expected an interval unit, found ${describe(token)}`);
    return token.upper;
  }

  private castTarget(): CastTarget {
    const token = this.next();
    if (token.kind !== 'word') throw new SqlSyntaxError(`expected a type, found ${describe(token)}`);
    const lengths = (): number[] => {
      if (!this.acceptSymbol('(')) return [];
      const out: number[] = [];
      do {
        const number = this.next();
        if (number.kind !== 'number') throw new SqlSyntaxError('expected a length');
        out.push(Number(number.text));
      } while (this.acceptSymbol(','));
      this.expectSymbol(')');
      return out;
    };
    switch (token.upper) {
      case 'SIGNED':
      case 'UNSIGNED': {
        if (!this.acceptWord('INTEGER')) this.acceptWord('INT');
        return { kind: token.upper === 'SIGNED' ? 'signed' : 'unsigned' };
      }
      case 'INTEGER':
      case 'INT':
        return { kind: 'signed' };
      case 'DECIMAL':
      case 'DEC':
      case 'NUMERIC': {
        const [length, scale] = lengths();
        return { kind: 'decimal', ...(length === undefined ? {} : { length }), ...(scale === undefined ? {} : { scale }) };
      }
      case 'DOUBLE':
      case 'REAL':
        this.acceptWord('PRECISION');
        return { kind: 'double' };
      case 'FLOAT': {
        const [length] = lengths();
        return { kind: 'float', ...(length === undefined ? {} : { length }) };
      }
      case 'CHAR':
      case 'NCHAR':
      case 'BINARY': {
        const [length] = lengths();
        const kind = token.upper === 'BINARY' ? 'binary' : 'char';
        let charset: string | undefined;
        if (this.acceptWord('CHARACTER')) {
          this.expectWord('SET');
          const name = this.next();
          if (name.kind === 'word') charset = name.text.toLowerCase();
        }
        return { kind, ...(length === undefined ? {} : { length }), ...(charset === undefined ? {} : { charset }) };
      }
      case 'DATE':
        return { kind: 'date' };
      case 'DATETIME': {
        const [length] = lengths();
        return { kind: 'datetime', ...(length === undefined ? {} : { length }) };
      }
      case 'TIME': {
        const [length] = lengths();
        return { kind: 'time', ...(length === undefined ? {} : { length }) };
      }
      case 'JSON':
        return { kind: 'json' };
      default:
        throw new SqlSyntaxError(`unknown CAST type ${token.text}`);
    }
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end';
    case 'word':
    case 'symbol':
    case 'number':
      return `'${token.text}'`;
    case 'string':
    case 'hex':
      return 'a string';
  }
}

const int64Max = (1n << 63n) - 1n;
const int64Min = -(1n << 63n);
const uint64Max = (1n << 64n) - 1n;

/**
 * MySQL's literal types: an integer is a BIGINT (UNSIGNED past 2^63 - 1, DECIMAL past
 * 2^64 - 1), its length its digits; a literal with a point is a DECIMAL of exactly its
 * digits; one with an exponent is a DOUBLE.
 */
export function numberLiteral(text: string): Expr {
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  if (/[eE]/.test(digits)) return constant(Number(text), newFieldType(FieldTypeCode.Double, { decimals: -1 }));
  if (!digits.includes('.')) {
    const value = BigInt(text);
    const length = digits.replace(/^0+(?=.)/, '').length + (negative ? 1 : 0);
    if (value >= int64Min && value <= int64Max) return constant(value, newFieldType(FieldTypeCode.LongLong, { length }));
    if (value >= 0n && value <= uint64Max) return constant(value, newFieldType(FieldTypeCode.LongLong, { length, flags: FieldFlag.Unsigned }));
  }
  const decimal = Decimal.parse(text);
  const [integerPart = '', fractionPart = ''] = digits.split('.');
  const integerDigits = integerPart.replace(/^0+/, '').length;
  const scale = fractionPart.length;
  return constant(decimal, newFieldType(FieldTypeCode.NewDecimal, { length: Math.max(integerDigits + scale, 1), decimals: scale }));
}

export function stringLiteral(bytes: Uint8Array): Expr {
  const characters = [...Buffer.from(bytes).toString('utf8')].length;
  return constant(bytes, newFieldType(FieldTypeCode.VarString, { length: characters, charset: 'utf8mb4', collation: defaultStringCollation }));
}

function unitConstant(unit: string): Expr {
  return stringLiteral(Uint8Array.from(Buffer.from(unit)));
}

/** DATE '...', TIME '...' and TIMESTAMP '...' literals, typed with the fsp their text has. */
function temporalLiteral(kind: string, text: string): Expr {
  const fraction = /\.(\d+)\s*$/.exec(text);
  const fsp = Math.min(fraction?.[1]?.length ?? 0, 6);
  if (kind === 'DATE') return constant(MysqlTime.parse(text, 'date'), newFieldType(FieldTypeCode.Date));
  if (kind === 'TIME') return constant(Duration.parse(text, fsp), newFieldType(FieldTypeCode.Duration, { decimals: fsp }));
  return constant(MysqlTime.parse(text, 'datetime', fsp), newFieldType(FieldTypeCode.Datetime, { decimals: fsp }));
}

/** Parses one constant SQL expression into a built, typed expression. */
export function parseSqlExpression(text: string): Expr {
  return new Parser(tokenize(text)).parseAll();
}
