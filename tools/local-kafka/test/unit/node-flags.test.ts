// The flags every launcher gives a service: the Dockerfiles repeat them by hand, so they are
// checked here against the one list npm start, the benchmark and the tests use.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_NODE_FLAGS } from '../../src/node-flags';

describe('Node.js flags of the services', () => {
  it.each(['service-a', 'service-b'] as const)('%s: its Dockerfile runs it with them', (name) => {
    const dockerfile = readFileSync(
      path.join(__dirname, '..', '..', '..', '..', name, 'Dockerfile'),
      'utf8',
    );
    const cmd = /^CMD \[(.*)\]$/m.exec(dockerfile)?.[1];
    expect(cmd).toBeDefined();
    const args = JSON.parse(`[${cmd}]`) as string[];
    const flags = args.filter((arg) => arg.startsWith('--') && arg !== '--enable-source-maps');
    expect(flags).toEqual([...SERVICE_NODE_FLAGS[name]]);
  });
});
