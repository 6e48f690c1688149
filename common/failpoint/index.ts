export { parseFailpointActions, type FailpointAction, type FailpointTask, type FailpointTaskKind } from './actions.js';
export { FailpointConfigError, FailpointPanic } from './errors.js';
export { failpoint, failpointAsync } from './failpoint.js';
export {
  clearFailpoints,
  configureFailpoint,
  configureFailpoints,
  failpointHits,
  listFailpoints,
  removeFailpoint,
  setFailpointPrinter,
  setFailpointRandomSource,
  type FailpointListing,
  type FailpointPrinter,
} from './registry.js';
export { seededRandomSource, type RandomSource } from '../random.js';
