import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root: the nearest directory above `fromUrl` holding package.json. */
export function repoRoot(fromUrl: string = import.meta.url): string {
  let directory = dirname(fileURLToPath(fromUrl));
  for (;;) {
    if (existsSync(join(directory, 'package.json')) && existsSync(join(directory, 'tsconfig.json'))) return directory;
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`no package.json above ${fromUrl}`);
    directory = parent;
  }
}
