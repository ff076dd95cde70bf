// The flags every launcher gives a service. The Dockerfile must not repeat them by hand: it reads
// them from this very list at build time, and runs the service with what it read.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_NODE_FLAGS } from '../../src/node-flags';

const dockerfile = readFileSync(path.join(__dirname, '..', '..', '..', '..', 'Dockerfile'), 'utf8');

describe('Node.js flags of the services', () => {
  it('are what the Dockerfile runs each service with, read from SERVICE_NODE_FLAGS', () => {
    expect(dockerfile).toMatch(
      /require\('\.\/tools\/local-kafka\/dist\/node-flags'\)\.SERVICE_NODE_FLAGS\[/,
    );
    expect(dockerfile).toMatch(/^CMD exec node --enable-source-maps \$\(cat node-flags\) /m);
  });

  it('are not written in the Dockerfile by hand', () => {
    const flags = Object.values(SERVICE_NODE_FLAGS).flat();
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.filter((flag) => dockerfile.includes(flag))).toEqual([]);
  });

  it('gives service-b its young-generation limit', () => {
    expect(SERVICE_NODE_FLAGS['service-b']).toContain('--max-semi-space-size=4');
  });
});
