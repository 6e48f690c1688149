import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLayering, checkSource, formatViolations } from './layering.js';
import { repoRoot } from './repo-root.js';

describe('layering', () => {
  test('no file in the repository imports a layer above its own', () => {
    const violations = checkLayering(repoRoot());
    assert.equal(violations.length, 0, `layering violations:\n${formatViolations(violations)}`);
  });

  test('a lower layer importing a higher one is reported', () => {
    assert.equal(checkSource('kv/mvcc/reader.ts', "import { Session } from '../../sql/session.js';").length, 1);
    assert.equal(checkSource('kv/raft/raft.ts', "import { Engine } from '../engine/engine.js';").length, 1);
    assert.equal(checkSource('common/codec/row.ts', "export { x } from '../../kv/mvcc/x.js';").length, 1);
    assert.equal(checkSource('pd/client/client.ts', "import type { Txn } from '../../kv/client/txn.js';").length, 1);
    assert.equal(checkSource('proto/x.ts', "import { assert } from '../common/assert.js';").length, 1);
    assert.equal(checkSource('sql/executor.ts', "const m = await import('../kv/mvcc/reader.js');").length, 1);
    assert.equal(checkSource('kv/engine/engine.ts', "import { bench } from '../../test/cluster/harness.js';").length, 1);
  });

  test('the raft core may not import node built-ins or npm packages', () => {
    assert.equal(checkSource('kv/raft/raft.ts', "import { setTimeout } from 'node:timers';").length, 1);
    assert.equal(checkSource('kv/raft/raft.ts', "import pino from 'pino';").length, 1);
    assert.equal(checkSource('kv/raft/raft.ts', "import type { Message } from '../../proto/gen/eraftpb.js';").length, 0);
    // Its tests may use the test runner and assertions, and nothing else from node.
    assert.equal(checkSource('kv/raft/raft.test.ts', "import { test } from 'node:test';\nimport assert from 'node:assert/strict';").length, 0);
    assert.equal(checkSource('kv/raft/raft.test.ts', "import { readFileSync } from 'node:fs';").length, 1);
  });

  test('allowed imports and comments are not reported', () => {
    assert.equal(checkSource('kv/mvcc/reader.ts', "import { Engine } from '../engine/engine.js';\nimport { encodeKey } from '../../common/codec/datum.js';").length, 0);
    assert.equal(checkSource('kv/mvcc/reader.ts', "// import { Session } from '../../sql/session.js';\n/* import '../../sql/x.js' */").length, 0);
    assert.equal(checkSource('sql/session.ts', "import { Txn } from '../kv/client/txn.js';").length, 0);
    assert.equal(checkSource('test/cluster/harness.ts', "import { Session } from '../../sql/session.js';").length, 0);
  });
});
