// Every workspace's package.json points at files that exist: an entry point ("main", "types") is
// built from a source file of the workspace (the services have none: they are run, not imported).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');
const { workspaces } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  workspaces: string[];
};

describe.each(workspaces)('the %s workspace', (workspace) => {
  it('has no dangling entry point', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, workspace, 'package.json'), 'utf8')) as {
      main?: string;
      types?: string;
    };
    const dangling = [pkg.main, pkg.types].filter((entry): entry is string => {
      if (entry === undefined) return false;
      // dist/x.js and dist/x.d.ts are built from src/x.ts.
      const source = entry.replace(/^dist\//, 'src/').replace(/(\.d)?\.ts$|\.js$/, '.ts');
      return !existsSync(path.join(root, workspace, source));
    });
    expect(dangling).toEqual([]);
  });
});
