import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { configLeaves, configTree, describeLeafType, toFileKey } from './schema-tree.js';
import { durationMs, sizeBytes } from './unit-schemas.js';

describe('toFileKey', () => {
  test('camelCase becomes kebab-case', () => {
    assert.equal(toFileKey('electionTimeoutTicks'), 'election-timeout-ticks');
    assert.equal(toFileKey('port'), 'port');
    assert.equal(toFileKey('grpcURL'), 'grpc-url');
    assert.equal(toFileKey('raft2Log'), 'raft2-log');
  });
});

describe('configTree', () => {
  test('reads sections, leaves, types, defaults and descriptions through wrappers', () => {
    const schema = z
      .object({
        port: z.number().int().min(0).max(65535).default(1).describe('Port.'),
        ratio: z.number().positive().lt(1).optional(),
        name: z.string().describe('Name.').default('n'),
        level: z.enum(['a', 'b']).default('a'),
        mode: z.literal(['fast', 'safe']).default('fast'),
        tags: z.array(z.string()).default([]),
        ports: z.array(z.number().int()).default([]),
        labels: z.record(z.string(), z.string()).default({}),
        size: sizeBytes().describe('Size.').default(1),
        every: durationMs().default(1000),
        upper: z.string().transform((value) => value.toUpperCase()).default('X'),
        nested: z.array(z.array(z.string())).default([]),
        section: z.object({ deep: z.object({ flag: z.boolean().default(false) }).strict() }).strict().describe('A section.'),
      })
      .strict();
    const tree = configTree(schema);
    assert.equal(configTree(schema), tree, 'cached per schema');
    const leaves = configLeaves(tree);
    assert.deepEqual(
      leaves.map((leaf) => [leaf.flag, leaf.path.join('.'), describeLeafType(leaf.node.type)]),
      [
        ['port', 'port', 'an integer between 0 and 65535'],
        ['ratio', 'ratio', 'a number greater than 0 and less than 1'],
        ['name', 'name', 'a string'],
        ['level', 'level', 'one of a, b'],
        ['mode', 'mode', 'one of fast, safe'],
        ['tags', 'tags', 'a list of strings'],
        ['ports', 'ports', 'a list of integers'],
        ['labels', 'labels', 'a table of strings'],
        ['size', 'size', 'a size like "96MiB" or a number of bytes'],
        ['every', 'every', 'a duration like "3s", "100ms" or "1h30m"'],
        ['upper', 'upper', 'a string'],
        ['nested', 'nested', 'a valid value'],
        ['section.deep.flag', 'section.deep.flag', 'true or false'],
      ],
    );
    const byFlag = new Map(leaves.map((leaf) => [leaf.flag, leaf.node]));
    assert.equal(byFlag.get('port')?.description, 'Port.');
    assert.equal(byFlag.get('port')?.defaultValue, 1);
    assert.equal(byFlag.get('name')?.description, 'Name.');
    assert.equal(byFlag.get('size')?.description, 'Size.');
    assert.equal(byFlag.get('ratio')?.optional, true);
    assert.equal(byFlag.get('ratio')?.hasDefault, false);
    const section = tree.fields.get('section')?.node;
    assert.equal(section?.kind === 'section' ? section.description : undefined, 'A section.');
  });

  test('rejects schemas that cannot be read as flags and file keys', () => {
    assert.throws(() => configTree(z.string()), /the root must be a z.object/);
    assert.throws(() => configTree(z.object({ help: z.boolean().default(false) })), /collides with the built-in --help flag/);
    assert.throws(() => configTree(z.object({ grpcUrl: z.string(), grpcURL: z.string() })), /both read as "grpc-url"/);
    assert.throws(() => configTree(z.object({ my_key: z.string() })), /must be camelCase/);
  });
});
