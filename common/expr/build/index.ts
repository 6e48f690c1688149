// Importing this module registers every function rule (each file registers its family once)
// and every scalar function the rules build calls of.
import '../functions/index.js';
import './cast-call.js';
import './date.js';
import './math.js';
import './operators.js';
import './string.js';

export { buildFunction, BuildErrorCode, defineFunction, type FunctionRule } from './registry.js';
export { castAs, castToEvalType, defaultTypeOf } from './cast.js';
