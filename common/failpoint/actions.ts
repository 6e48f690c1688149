import { FailpointConfigError } from './errors.js';

/**
 * What a failpoint does when one of its actions fires. The grammar is the one of the
 * fail-rs crate that TiKV uses, so an action string from a TiKV test reads the same here.
 */
export type FailpointTask =
  /** Do nothing, and stop the chain (so `1*off->return` skips the first hit only). */
  | { readonly kind: 'off' }
  /** The call site returns early with this value ('' for a bare `return`). */
  | { readonly kind: 'return'; readonly value: string }
  /** Throw a `FailpointPanic`. */
  | { readonly kind: 'panic'; readonly message: string | undefined }
  /** Log the message and continue. */
  | { readonly kind: 'print'; readonly message: string | undefined }
  /** Sleep (without burning CPU) for the duration, then continue. */
  | { readonly kind: 'sleep'; readonly durationMs: number }
  /** Busy-wait for the duration, then continue: a stall that also holds the CPU. */
  | { readonly kind: 'delay'; readonly durationMs: number }
  /** Wait until the failpoint is reconfigured or removed, then continue. */
  | { readonly kind: 'pause' }
  /** Give other work a turn (an event-loop turn at async sites), then continue. */
  | { readonly kind: 'yield' };

export type FailpointTaskKind = FailpointTask['kind'];

/** One term of a chain: `[P%][K*]task[(arg)]`. */
export interface FailpointAction {
  readonly task: FailpointTask;
  /** Chance in [0, 1] that the term fires when it is tried; 1 when no `P%` was given. */
  readonly probability: number;
  /** How many times the term may fire in total (`K*`); undefined when unlimited. */
  readonly maxCount: number | undefined;
}

const taskKinds: readonly FailpointTaskKind[] = ['off', 'return', 'panic', 'print', 'sleep', 'delay', 'pause', 'yield'];

/** Bounds what a configuration can ask for, so a typo cannot hang a test for days. */
const maxDurationMs = 24 * 60 * 60 * 1000;

/**
 * Parses a fail-rs action chain such as `20%3*print(still alive!)->panic`. Terms are
 * separated by `->` outside parentheses, so a `return` value may itself contain `->`.
 * Throws `FailpointConfigError` naming the term and what is wrong with it.
 */
export function parseFailpointActions(text: string): FailpointAction[] {
  const terms = splitTerms(text);
  return terms.map((term, index) => {
    try {
      return parseTerm(term);
    } catch (error) {
      if (!(error instanceof FailpointConfigError)) throw error;
      const where = terms.length > 1 ? ` (term ${index + 1} ${JSON.stringify(term)})` : '';
      throw new FailpointConfigError(`invalid failpoint actions ${JSON.stringify(text)}${where}: ${error.message}`);
    }
  });
}

function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === '(') depth++;
    else if (character === ')') depth = Math.max(0, depth - 1);
    else if (character === '-' && text[index + 1] === '>' && depth === 0) {
      terms.push(text.slice(start, index).trim());
      start = index + 2;
      index++;
    }
  }
  terms.push(text.slice(start).trim());
  return terms;
}

function parseTerm(term: string): FailpointAction {
  if (term.length === 0) throw new FailpointConfigError('empty action');
  let head = term;
  let argument: string | undefined;
  const open = term.indexOf('(');
  if (open >= 0) {
    if (!term.endsWith(')')) throw new FailpointConfigError('parentheses do not match: the argument must end the action with ")"');
    head = term.slice(0, open);
    argument = term.slice(open + 1, -1);
  } else if (term.includes(')')) {
    throw new FailpointConfigError('parentheses do not match: ")" without "("');
  }

  let probability = 1;
  const percent = head.indexOf('%');
  if (percent >= 0) {
    const probabilityText = head.slice(0, percent).trim();
    if (!/^\d+(?:\.\d+)?$/.test(probabilityText)) {
      throw new FailpointConfigError(`probability must be a number from 0 to 100 before "%", got ${JSON.stringify(probabilityText)}`);
    }
    const percentage = Number(probabilityText);
    if (percentage > 100) throw new FailpointConfigError(`probability must be at most 100%, got ${probabilityText}%`);
    probability = percentage / 100;
    head = head.slice(percent + 1);
  }

  let maxCount: number | undefined;
  const star = head.indexOf('*');
  if (star >= 0) {
    const countText = head.slice(0, star).trim();
    if (!/^\d+$/.test(countText) || !Number.isSafeInteger(Number(countText))) {
      throw new FailpointConfigError(`count must be a non-negative integer before "*", got ${JSON.stringify(countText)}`);
    }
    maxCount = Number(countText);
    head = head.slice(star + 1);
  }

  return { task: parseTask(head.trim(), argument), probability, maxCount };
}

function parseTask(name: string, argument: string | undefined): FailpointTask {
  switch (name) {
    case 'off':
    case 'pause':
    case 'yield':
      if (argument !== undefined) throw new FailpointConfigError(`task "${name}" takes no argument, got (${argument})`);
      return { kind: name };
    case 'return':
      return { kind: 'return', value: argument ?? '' };
    case 'panic':
      return { kind: 'panic', message: argument };
    case 'print':
      return { kind: 'print', message: argument };
    case 'sleep':
    case 'delay':
      return { kind: name, durationMs: parseDurationMs(name, argument) };
    default:
      throw new FailpointConfigError(`unknown task ${JSON.stringify(name)}; expected one of ${taskKinds.join(', ')}`);
  }
}

function parseDurationMs(task: 'sleep' | 'delay', argument: string | undefined): number {
  if (argument === undefined) throw new FailpointConfigError(`task "${task}" needs a duration in milliseconds, as in ${task}(100)`);
  const text = argument.trim();
  if (!/^\d+$/.test(text)) {
    throw new FailpointConfigError(`task "${task}" needs a whole number of milliseconds, got ${JSON.stringify(argument)}`);
  }
  const durationMs = Number(text);
  if (durationMs > maxDurationMs) {
    throw new FailpointConfigError(`task "${task}" duration ${durationMs}ms exceeds the limit of ${maxDurationMs}ms`);
  }
  return durationMs;
}
