/**
 * JSON as MySQL 8 holds and prints it. The expression engine carries JSON values as text;
 * this module parses that text (RFC 8259, as MySQL's parser accepts it) into a small
 * tree and prints the tree in MySQL's normalized form: `{"a": 1, "b": [1, 2]}` with one
 * space after ':' and ',', object keys sorted by length then bytes (MySQL's binary JSON
 * order), the last of duplicate keys kept, integers as integers and other numbers as
 * doubles ('1e2' prints as 100.0).
 */
import { int64Min, uint64Max } from '../codec/number.js';
import { formatDouble } from './number-text.js';

export type JsonValue =
  | { readonly kind: 'null' }
  | { readonly kind: 'boolean'; readonly value: boolean }
  /** An integer that fits int64 or uint64. */
  | { readonly kind: 'integer'; readonly value: bigint }
  | { readonly kind: 'double'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'array'; readonly items: readonly JsonValue[] }
  /** Members in MySQL's key order (see `jsonObject`). */
  | { readonly kind: 'object'; readonly members: ReadonlyArray<readonly [string, JsonValue]> };

/**
 * Text that is not JSON; `position` is the character offset MySQL's message reports.
 * `tooDeep` marks nesting past MySQL's limit, which MySQL reports with its own error
 * (ER_JSON_DOCUMENT_TOO_DEEP) rather than as invalid text.
 */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';

  constructor(
    readonly reason: string,
    readonly position: number,
    readonly tooDeep = false,
  ) {
    super(`${reason} at position ${position}`);
  }
}

/** MySQL's JSON_DOCUMENT_MAX_DEPTH. */
export const jsonMaxDepth = 100;

const encoder = new TextEncoder();

/** MySQL's key order: shorter keys first (in UTF-8 bytes), then bytewise. */
function compareKeys(leftBytes: Uint8Array, rightBytes: Uint8Array): number {
  if (leftBytes.length !== rightBytes.length) return leftBytes.length - rightBytes.length;
  for (let index = 0; index < leftBytes.length; index++) {
    if (leftBytes[index] !== rightBytes[index]) return leftBytes[index]! - rightBytes[index]!;
  }
  return 0;
}

/** An object from members in any order: the last of duplicate keys wins, as in MySQL 8.0.3+. */
export function jsonObject(members: Iterable<readonly [string, JsonValue]>): JsonValue {
  const byKey = new Map<string, JsonValue>();
  for (const [key, value] of members) byKey.set(key, value);
  // Each key encoded once, not once per comparison.
  const sorted = [...byKey.entries()].map((member) => ({ member, bytes: encoder.encode(member[0]) })).sort((left, right) => compareKeys(left.bytes, right.bytes));
  return { kind: 'object', members: sorted.map(({ member }) => member) };
}

/** A JSON number from its text: integers that fit 64 bits stay integers, the rest are doubles. */
function jsonNumber(text: string): JsonValue {
  // Past 20 digits (and a sign) no integer fits 64 bits: no need to read it as a BigInt.
  if (text.length <= 21 && /^-?\d+$/.test(text)) {
    const value = BigInt(text);
    if (value >= int64Min && value <= uint64Max) return { kind: 'integer', value };
  }
  return { kind: 'double', value: Number(text) };
}

/** The escapes after '\\' that stand for one character ('\\u' aside). */
const simpleEscapes: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ['\\', '\\'],
  ['/', '/'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
]);

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    this.skipSpace();
    const value = this.parseValue();
    this.skipSpace();
    if (this.index !== this.text.length) throw new JsonSyntaxError('The document root must not be followed by other values.', this.index);
    return value;
  }

  private fail(reason: string): never {
    throw new JsonSyntaxError(reason, this.index);
  }

  private skipSpace(): void {
    while (this.index < this.text.length && ' \t\n\r'.includes(this.text[this.index]!)) this.index++;
  }

  private parseValue(): JsonValue {
    const next = this.text[this.index];
    if (next === undefined) return this.fail('The document is empty.');
    if (next === '{') return this.parseObject();
    if (next === '[') return this.parseArray();
    if (next === '"') return { kind: 'string', value: this.parseString() };
    if (next === '-' || (next >= '0' && next <= '9')) return this.parseNumber();
    for (const [word, value] of [
      ['true', { kind: 'boolean', value: true }],
      ['false', { kind: 'boolean', value: false }],
      ['null', { kind: 'null' }],
    ] as const) {
      if (this.text.startsWith(word, this.index)) {
        this.index += word.length;
        return value;
      }
    }
    return this.fail('Invalid value.');
  }

  private nested<T>(parse: () => T): T {
    // MySQL's limit on nesting depth; it also keeps the recursion bounded.
    if (++this.depth > jsonMaxDepth) throw new JsonSyntaxError(`The JSON document exceeds the maximum depth ${jsonMaxDepth}.`, this.index, true);
    const value = parse();
    this.depth--;
    return value;
  }

  private parseObject(): JsonValue {
    return this.nested(() => {
      this.index++;
      const members: Array<readonly [string, JsonValue]> = [];
      this.skipSpace();
      if (this.text[this.index] === '}') {
        this.index++;
        return jsonObject(members);
      }
      for (;;) {
        this.skipSpace();
        if (this.text[this.index] !== '"') this.fail('Missing a name for object member.');
        const key = this.parseString();
        this.skipSpace();
        if (this.text[this.index] !== ':') this.fail('Missing a colon after a name of object member.');
        this.index++;
        this.skipSpace();
        members.push([key, this.parseValue()]);
        this.skipSpace();
        const separator = this.text[this.index];
        this.index++;
        if (separator === '}') return jsonObject(members);
        if (separator !== ',') {
          this.index--;
          this.fail('Missing a comma or \'}\' after an object member.');
        }
      }
    });
  }

  private parseArray(): JsonValue {
    return this.nested(() => {
      this.index++;
      const items: JsonValue[] = [];
      this.skipSpace();
      if (this.text[this.index] === ']') {
        this.index++;
        return { kind: 'array', items };
      }
      for (;;) {
        this.skipSpace();
        items.push(this.parseValue());
        this.skipSpace();
        const separator = this.text[this.index];
        this.index++;
        if (separator === ']') return { kind: 'array', items };
        if (separator !== ',') {
          this.index--;
          this.fail('Missing a comma or \']\' after an array element.');
        }
      }
    });
  }

  private parseString(): string {
    this.index++;
    let out = '';
    for (;;) {
      const next = this.text[this.index];
      if (next === undefined) this.fail('Missing a closing quotation mark in string.');
      if (next === '"') {
        this.index++;
        return out;
      }
      if (next < ' ') this.fail('Invalid encoding in string.');
      if (next !== '\\') {
        out += next;
        this.index++;
        continue;
      }
      const escape = this.text[this.index + 1];
      const unescaped = escape === undefined ? undefined : simpleEscapes.get(escape);
      if (unescaped !== undefined) {
        out += unescaped;
        this.index += 2;
        continue;
      }
      if (escape !== 'u') this.fail('Invalid escape character in string.');
      const unit = this.hexEscape(this.index);
      this.index += 6;
      // A surrogate only pairs: a high one then an escaped low one, as rapidjson requires.
      if (unit >= 0xdc00 && unit <= 0xdfff) this.fail('The surrogate pair in string is invalid.');
      if (unit >= 0xd800 && unit <= 0xdbff) {
        const low = this.text[this.index] === '\\' && this.text[this.index + 1] === 'u' ? this.hexEscape(this.index) : -1;
        if (low < 0xdc00 || low > 0xdfff) this.fail('The surrogate pair in string is invalid.');
        out += String.fromCharCode(unit, low);
        this.index += 6;
      } else {
        out += String.fromCharCode(unit);
      }
    }
  }

  /** The code unit of the '\\uXXXX' escape at `at`. */
  private hexEscape(at: number): number {
    const hex = this.text.slice(at + 2, at + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('Incorrect hex digit after \\u escape in string.');
    return Number.parseInt(hex, 16);
  }

  private parseNumber(): JsonValue {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.index));
    if (match === null) return this.fail('Invalid value.');
    this.index += match[0].length;
    const value = jsonNumber(match[0]);
    if (value.kind === 'double' && !Number.isFinite(value.value)) this.fail('Number too big to be stored in double.');
    return value;
  }
}

/** Parses JSON text; throws JsonSyntaxError with MySQL's reason and position. */
export function parseJson(text: string): JsonValue {
  return new Parser(text).parseDocument();
}

/** A string quoted as MySQL prints it: '"', '\\' and control characters escaped, the rest as is. */
export function quoteJsonString(value: string): string {
  let out = '"';
  for (const character of value) {
    switch (character) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default:
        out += character < ' ' ? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}` : character;
    }
  }
  return `${out}"`;
}

/** A double as MySQL prints it inside JSON: like a DOUBLE, with '.0' added to integral values so it reads back as a double. */
export function formatJsonDouble(value: number): string {
  const text = formatDouble(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** MySQL's text form of a JSON value (what CAST(json AS CHAR) returns). */
export function formatJson(value: JsonValue): string {
  switch (value.kind) {
    case 'null':
      return 'null';
    case 'boolean':
      return value.value ? 'true' : 'false';
    case 'integer':
      return String(value.value);
    case 'double':
      return formatJsonDouble(value.value);
    case 'string':
      return quoteJsonString(value.value);
    case 'array':
      return `[${value.items.map(formatJson).join(', ')}]`;
    case 'object':
      return `{${value.members.map(([key, member]) => `${quoteJsonString(key)}: ${formatJson(member)}`).join(', ')}}`;
  }
}

/** JSON text in MySQL's normalized form; throws JsonSyntaxError when it is not JSON. */
export function normalizeJson(text: string): string {
  return formatJson(parseJson(text));
}
