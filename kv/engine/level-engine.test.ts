import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEngineConformance } from './engine-conformance.js';
import type { Engine } from './engine.js';
import { LevelEngine } from './level-engine.js';

const paths = new Map<Engine, string>();

describeEngineConformance('classic-level', {
  open: async () => {
    const path = await mkdtemp(join(tmpdir(), 'tidedb-engine-'));
    const engine = await LevelEngine.open(path);
    paths.set(engine, path);
    return engine;
  },
  dispose: async (engine) => {
    await engine.close();
    await rm(paths.get(engine)!, { recursive: true, force: true });
    paths.delete(engine);
  },
});
