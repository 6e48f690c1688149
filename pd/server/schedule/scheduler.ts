import type { Operator } from './operator.js';
import type { ScheduleContext } from './schedule-context.js';

/**
 * A scheduler looks at the whole cluster and proposes one operator at a time to make it
 * more even; the coordinator calls it again, with that operator now in flight, until
 * it proposes nothing or the round's budget is spent.
 */
export interface Scheduler {
  /** PD's scheduler name, as the HTTP API lists it. */
  readonly name: string;
  schedule(context: ScheduleContext): Operator | undefined;
}
