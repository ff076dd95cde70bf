// Where the repository and its git-ignored cache live, wherever the tool is started from.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function repoRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown };
      if (parsed.workspaces) return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no workspace root above ${from}`);
    dir = parent;
  }
}

export function cacheDir(...parts: string[]): string {
  return path.join(repoRoot(), '.cache', ...parts);
}
