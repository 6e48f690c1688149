import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize, relative, sep } from 'node:path';

/**
 * The layering of DESIGN.md as data. A file's rule is the one with the longest
 * matching `from` folder; it may import files under its own folder and under the
 * folders in `may`. `packages: false` forbids npm packages and node built-ins (the
 * Raft core is pure: no I/O, timers or clock).
 */
interface LayerRule {
  readonly from: string;
  readonly may: readonly string[];
  readonly packages?: false;
}

const base = ['common/', 'proto/'];

export const layerRules: readonly LayerRule[] = [
  { from: 'proto/', may: [] },
  { from: 'common/', may: ['proto/'] },
  { from: 'kv/raft/', may: base, packages: false },
  { from: 'kv/engine/', may: base },
  { from: 'kv/mvcc/', may: [...base, 'kv/engine/'] },
  { from: 'kv/coprocessor/', may: [...base, 'kv/mvcc/', 'kv/engine/'] },
  // Raft logs and Raft local state kept in the engine: shared by the raftstore and PD.
  { from: 'kv/raftlog/', may: [...base, 'kv/raft/', 'kv/engine/'] },
  { from: 'kv/raftstore/', may: [...base, 'kv/raft/', 'kv/raftlog/', 'kv/mvcc/', 'kv/engine/', 'kv/coprocessor/', 'pd/client/'] },
  { from: 'kv/server/', may: [...base, 'kv/raftstore/', 'kv/raft/', 'kv/raftlog/', 'kv/mvcc/', 'kv/engine/', 'kv/coprocessor/', 'pd/client/'] },
  { from: 'kv/client/', may: [...base, 'pd/client/'] },
  { from: 'kv/', may: [...base, 'kv/', 'pd/client/'] },
  { from: 'pd/client/', may: base },
  { from: 'pd/server/', may: [...base, 'kv/raft/', 'kv/raftlog/', 'kv/engine/'] },
  { from: 'pd/', may: [...base, 'pd/', 'kv/raft/', 'kv/raftlog/', 'kv/engine/'] },
  { from: 'sql/', may: [...base, 'kv/client/', 'pd/client/'] },
  // Tests, benchmarks and examples sit above everything and may use any layer.
  { from: 'test/', may: ['common/', 'proto/', 'kv/', 'pd/', 'sql/', 'bench/', 'examples/'] },
  { from: 'bench/', may: ['common/', 'proto/', 'kv/', 'pd/', 'sql/', 'test/'] },
  { from: 'examples/', may: ['common/', 'proto/', 'kv/', 'pd/', 'sql/'] },
];

export interface LayerViolation {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly reason: string;
}

const importPattern = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const nodeBuiltins = new Set(builtinModules);
/** What a test file in a pure layer may still import: the test runner and assertions. */
const testOnlyModules = new Set(['node:test', 'node:assert', 'node:assert/strict']);

function ruleFor(file: string): LayerRule | undefined {
  let best: LayerRule | undefined;
  for (const rule of layerRules) {
    if (file.startsWith(rule.from) && (best === undefined || rule.from.length > best.from.length)) best = rule;
  }
  return best;
}

function listSources(root: string, directory: string, out: string[]): void {
  for (const name of readdirSync(join(root, directory))) {
    if (name === 'node_modules' || name.startsWith('.') || name.startsWith('dist')) continue;
    const path = directory === '' ? name : `${directory}/${name}`;
    if (statSync(join(root, path)).isDirectory()) listSources(root, path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
}

/** Checks one source text; `file` is its path relative to the root, with `/` separators. */
export function checkSource(file: string, source: string): LayerViolation[] {
  const rule = ruleFor(file);
  if (rule === undefined) return [];
  const violations: LayerViolation[] = [];
  const stripped = source.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
  for (const match of stripped.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2];
    if (specifier === undefined) continue;
    const line = stripped.slice(0, match.index).split('\n').length;
    if (!specifier.startsWith('.')) {
      const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
      const isTestFile = file.endsWith('.test.ts');
      if (rule.packages === false && !(isTestFile && testOnlyModules.has(specifier))) {
        const what = specifier.startsWith('node:') || nodeBuiltins.has(bare) ? 'node built-in' : 'npm package';
        violations.push({ file, line, specifier, reason: `${rule.from} is pure and may not import a ${what}` });
      }
      continue;
    }
    const target = normalize(join(dirname(file), specifier)).split(sep).join('/');
    if (target.startsWith('..')) {
      violations.push({ file, line, specifier, reason: 'imports a file outside the repository' });
      continue;
    }
    const allowed = target.startsWith(rule.from) || rule.may.some((prefix) => target.startsWith(prefix));
    if (!allowed) {
      violations.push({ file, line, specifier, reason: `${rule.from} may import only ${[rule.from, ...rule.may].join(', ')}; ${target} is outside` });
    }
  }
  return violations;
}

export function checkLayering(root: string): LayerViolation[] {
  const files: string[] = [];
  listSources(root, '', files);
  return files.flatMap((file) => checkSource(relative(root, join(root, file)).split(sep).join('/'), readFileSync(join(root, file), 'utf8')));
}

export function formatViolations(violations: readonly LayerViolation[]): string {
  return violations.map((v) => `${v.file}:${v.line}: import '${v.specifier}': ${v.reason}`).join('\n');
}
