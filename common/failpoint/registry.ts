import { createLogger, type Logger } from '../log/logger.js';
import { parseFailpointActions, type FailpointAction, type FailpointTask } from './actions.js';
import { FailpointConfigError } from './errors.js';
import type { RandomSource } from '../random.js';

/**
 * The process-wide failpoint configuration: which named points are armed, with which
 * action chains, and how often each armed point was reached. Call sites live in
 * `failpoint.ts`; this module only holds and changes the configuration.
 */

/** Logs what a `print` task says. */
export type FailpointPrinter = (failpointName: string, message: string) => void;

export interface FailpointListing {
  readonly name: string;
  /** The action string exactly as it was configured. */
  readonly actions: string;
}

interface ActionState {
  readonly action: FailpointAction;
  /** Invariant: undefined exactly when the action has no `K*` prefix; never negative. */
  remainingCount: number | undefined;
}

/** One configuration of one failpoint; replaced as a whole when the point is reconfigured. */
export interface ConfiguredFailpoint {
  readonly name: string;
  readonly actionsText: string;
  readonly actions: readonly ActionState[];
  /**
   * Resolvers of async call sites paused on this configuration. Reconfiguring or removing
   * the point releases them; a released site continues as if nothing fired.
   */
  readonly pausedWaiters: (() => void)[];
  /** Shared by every configuration of this name, so counts survive reconfiguration. */
  readonly hits: HitCounter;
}

interface HitCounter {
  count: number;
}

/**
 * The hot-path flag. Invariant: `anyConfigured === configured.size > 0`. Call sites test
 * this one boolean before touching the map, so unarmed failpoints cost next to nothing.
 */
export const failpointState = { anyConfigured: false };

const configured = new Map<string, ConfiguredFailpoint>();
/** Hits per name; kept across reconfiguration and removal, reset by `clearFailpoints`. */
const hitCounters = new Map<string, HitCounter>();
let randomSource: RandomSource = Math.random;
let printer: FailpointPrinter | undefined;
let printLogger: Logger | undefined;

/**
 * Arms (or re-arms) a failpoint with a fail-rs action chain, e.g. `50%2*return(err)->sleep(10)`.
 * Reconfiguring releases async sites paused on the old configuration and restarts the
 * `K*` counts. Throws `FailpointConfigError` if the name or the actions do not parse.
 */
export function configureFailpoint(name: string, actions: string): void {
  checkFailpointName(name);
  const parsed = parseFailpointActions(actions);
  installFailpoint(name, actions, parsed);
}

/**
 * Applies a `FAILPOINTS`-style list, `name=actions;name2=actions`. Every entry is checked
 * before any is applied, so a bad entry leaves the configuration as it was.
 */
export function configureFailpoints(list: string): void {
  const entries: { name: string; actionsText: string; actions: FailpointAction[] }[] = [];
  for (const rawEntry of list.split(';')) {
    const entry = rawEntry.trim();
    if (entry.length === 0) continue;
    const equals = entry.indexOf('=');
    if (equals < 0) {
      throw new FailpointConfigError(`invalid failpoint entry ${JSON.stringify(entry)}: expected name=actions`);
    }
    const name = entry.slice(0, equals).trim();
    const actionsText = entry.slice(equals + 1).trim();
    checkFailpointName(name);
    entries.push({ name, actionsText, actions: parseFailpointActions(actionsText) });
  }
  for (const entry of entries) installFailpoint(entry.name, entry.actionsText, entry.actions);
}

/** Disarms a failpoint, releasing its paused async sites. Returns whether it was armed. */
export function removeFailpoint(name: string): boolean {
  const point = configured.get(name);
  if (point === undefined) return false;
  configured.delete(name);
  failpointState.anyConfigured = configured.size > 0;
  releasePaused(point);
  return true;
}

/** Disarms every failpoint and forgets all hit counts: the teardown between tests. */
export function clearFailpoints(): void {
  const points = [...configured.values()];
  configured.clear();
  failpointState.anyConfigured = false;
  hitCounters.clear();
  for (const point of points) releasePaused(point);
}

/** Every armed failpoint with its action string, sorted by name. */
export function listFailpoints(): FailpointListing[] {
  return [...configured.values()]
    .map((point) => ({ name: point.name, actions: point.actionsText }))
    .sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
}

/**
 * How many times a call site evaluated the failpoint while it was armed (whether or not an
 * action fired). Unarmed evaluations are not counted: they must stay free. To assert that
 * code reaches a point without changing its behaviour, arm the point with `off`.
 */
export function failpointHits(name: string): number {
  return hitCounters.get(name)?.count ?? 0;
}

/** Replaces the source of randomness behind `P%` (e.g. with `seededRandomSource`); returns the old one. */
export function setFailpointRandomSource(source: RandomSource | undefined): RandomSource {
  const previous = randomSource;
  randomSource = source ?? Math.random;
  return previous;
}

/** Replaces where `print` tasks write (a JSON log line on stdout by default); returns the old printer. */
export function setFailpointPrinter(next: FailpointPrinter | undefined): FailpointPrinter | undefined {
  const previous = printer;
  printer = next;
  return previous;
}

/** For call sites: the armed configuration of `name`, if any. */
export function lookupFailpoint(name: string): ConfiguredFailpoint | undefined {
  return configured.get(name);
}

/**
 * For call sites: counts a hit and tries the chain's terms in order. Returns the task of
 * the first term that fires, or undefined when none does. A term out of `K*` budget, or
 * whose `P%` draw misses, falls through to the next.
 */
export function fireFailpoint(point: ConfiguredFailpoint): FailpointTask | undefined {
  point.hits.count++;
  for (const state of point.actions) {
    if (state.remainingCount === 0) continue;
    if (state.action.probability < 1 && !(randomSource() < state.action.probability)) continue;
    if (state.remainingCount !== undefined) state.remainingCount--;
    return state.action.task;
  }
  return undefined;
}

/** For call sites: carries out a `print` task. */
export function printFailpointMessage(name: string, message: string | undefined): void {
  const text = message ?? `failpoint ${name} reached`;
  if (printer !== undefined) {
    printer(name, text);
    return;
  }
  printLogger ??= createLogger({ component: 'failpoint', level: 'info' });
  printLogger.info({ failpoint: name }, text);
}

/** For call sites: resolves once `point` is no longer the configuration of its name. */
export function waitUntilReconfigured(point: ConfiguredFailpoint): Promise<void> {
  if (configured.get(point.name) !== point) return Promise.resolve();
  return new Promise<void>((resolve) => {
    point.pausedWaiters.push(resolve);
  });
}

function installFailpoint(name: string, actionsText: string, actions: readonly FailpointAction[]): void {
  const previous = configured.get(name);
  let hits = hitCounters.get(name);
  if (hits === undefined) {
    hits = { count: 0 };
    hitCounters.set(name, hits);
  }
  configured.set(name, {
    name,
    actionsText,
    actions: actions.map((action) => ({ action, remainingCount: action.maxCount })),
    pausedWaiters: [],
    hits,
  });
  failpointState.anyConfigured = true;
  if (previous !== undefined) releasePaused(previous);
}

function releasePaused(point: ConfiguredFailpoint): void {
  const waiters = point.pausedWaiters.splice(0);
  for (const release of waiters) release();
}

function checkFailpointName(name: string): void {
  if (name.length === 0) throw new FailpointConfigError('failpoint name must not be empty');
  if (/[\s;=()]/.test(name)) {
    throw new FailpointConfigError(
      `invalid failpoint name ${JSON.stringify(name)}: it may not contain whitespace, ";", "=" or parentheses`,
    );
  }
}

function configureFromEnvironment(): void {
  const list = process.env['FAILPOINTS'];
  if (list === undefined || list.trim().length === 0) return;
  try {
    configureFailpoints(list);
  } catch (error) {
    if (error instanceof FailpointConfigError) {
      throw new FailpointConfigError(`FAILPOINTS environment variable: ${error.message}`);
    }
    throw error;
  }
}

// Read once when the module loads, as fail-rs's setup does, so a process started with
// FAILPOINTS set has its faults armed before any call site runs.
configureFromEnvironment();
