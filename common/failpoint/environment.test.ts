import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const moduleUrl = new URL('./index.js', import.meta.url).href;

/** Runs a child `node` with FAILPOINTS set that imports the compiled module and runs `body`. */
function runChild(failpoints: string, body: string): { status: number | null; stdout: string; stderr: string } {
  const script = `import * as failpoints from ${JSON.stringify(moduleUrl)};\n${body}`;
  const result = spawnSync(process.execPath, ['--input-type=module', '--eval', script], {
    env: { ...process.env, FAILPOINTS: failpoints },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('FAILPOINTS environment variable', () => {
  test('arms the listed failpoints when the module loads', () => {
    const result = runChild(
      'read-fails=return(io error);flaky=1*off->panic(second call) ; slow=sleep(1)',
      [
        'const out = { list: failpoints.listFailpoints(), read: failpoints.failpoint("read-fails"), first: failpoints.failpoint("flaky") ?? null };',
        'try { failpoints.failpoint("flaky"); out.second = "no panic"; } catch (error) { out.second = error.name + ": " + error.message; }',
        'out.unset = failpoints.failpoint("unset") ?? null;',
        'console.log(JSON.stringify(out));',
      ].join('\n'),
    );
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      list: [
        { name: 'flaky', actions: '1*off->panic(second call)' },
        { name: 'read-fails', actions: 'return(io error)' },
        { name: 'slow', actions: 'sleep(1)' },
      ],
      read: 'io error',
      first: null,
      second: 'FailpointPanic: second call',
      unset: null,
    });
  });

  test('a malformed FAILPOINTS fails the import with a clear FailpointConfigError', () => {
    const result = runChild('good=return;bad=retrun(1)', 'console.log("loaded");');
    assert.notEqual(result.status, 0);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /FailpointConfigError: FAILPOINTS environment variable: invalid failpoint actions "retrun\(1\)": unknown task "retrun"/);
  });

  test('an empty FAILPOINTS arms nothing', () => {
    const result = runChild('', 'console.log(JSON.stringify(failpoints.listFailpoints()));');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), '[]');
  });
});
