import { describeEngineConformance } from './engine-conformance.js';
import { MemoryEngine } from './memory-engine.js';

describeEngineConformance('memory', {
  open: async () => new MemoryEngine(),
  dispose: async (engine) => engine.close(),
});
