import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The compiled test runs from a build directory (dist/proto/ or dist-proto/proto/), so the
// repository root is found by walking up to the first directory holding package.json.
function findRepositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(directory, 'package.json'))) return directory;
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    directory = parent;
  }
}

function typeScriptFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.ts'))
    .sort();
}

test('proto/gen matches what npm run proto generates from proto/*.proto', { timeout: 60_000 }, () => {
  const root = findRepositoryRoot();
  const committedDirectory = join(root, 'proto', 'gen');
  const freshDirectory = mkdtempSync(join(tmpdir(), 'tidedb-proto-check-'));
  try {
    const result = spawnSync(process.execPath, [join(root, 'proto', 'generate.mjs'), '--out', freshDirectory], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, `proto/generate.mjs failed:\n${result.stderr}${result.stdout}`);

    const fresh = typeScriptFiles(freshDirectory);
    const committed = existsSync(committedDirectory) ? typeScriptFiles(committedDirectory) : [];
    assert.ok(fresh.length > 0, 'the generator produced no files');
    const missing = fresh.filter((name) => !committed.includes(name));
    const extra = committed.filter((name) => !fresh.includes(name));
    assert.deepStrictEqual(
      { missing, extra },
      { missing: [], extra: [] },
      `proto/gen is stale (missing: ${missing.join(', ') || 'none'}; no longer generated: ${extra.join(', ') || 'none'}); run \`npm run proto\``,
    );
    for (const name of fresh) {
      const expected = readFileSync(join(freshDirectory, name));
      const actual = readFileSync(join(committedDirectory, name));
      assert.ok(expected.equals(actual), `proto/gen/${name} is stale; run \`npm run proto\``);
    }
  } finally {
    rmSync(freshDirectory, { recursive: true, force: true });
  }
});
