// Each service's OpenAPI document and its Express routes describe the same API: every documented
// operation has a route, and every route a client can call (besides the 405 answers for other
// methods, Swagger UI's files and the benchmark's no-op route) is documented. Every problem
// response carries an example of its own status. docs/api.md's table of every route lists exactly
// the documented operations.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { serviceAApp, serviceBApp } from '@test-support/apps';
import type { GroupOperations } from '../../service-b/src/kafka/group-position';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean>; stack: Layer[] };
  handle?: { stack?: Layer[]; name?: string };
  name?: string;
}

/** "METHOD path" of every route with a handler of its own (not a 405 for every other method). */
function routesOf(app: Express): Set<string> {
  const found = new Set<string>();
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        const refusal = layer.route.stack.every((l) => l.handle?.name === 'refuseMethod');
        for (const method of METHODS) {
          if (!layer.route.methods[method] || refusal) continue;
          for (const path of paths) found.add(`${method.toUpperCase()} ${path}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found;
}

function operationsOf(document: { paths: Record<string, Record<string, unknown>> }): Set<string> {
  const found = new Set<string>();
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of Object.keys(operations)) {
      // OpenAPI writes {name}; Express writes :name.
      found.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
    }
  }
  return found;
}

const serviceA = () => serviceAApp().app;
// With the group routes, which are served only when the service has a group to manage.
const serviceB = () => serviceBApp({ group: {} as GroupOperations }).app;

/** "METHOD path" of the rows of docs/api.md's route table for `service` (its own and "both"). */
function routesInApiPage(service: string): Set<string> {
  const page = readFileSync(path.join(__dirname, '../../docs/api.md'), 'utf8');
  const rows = [...page.matchAll(/^\| (service-a|service-b|both) +\| `([A-Z]+ \/[^`]*)` /gm)];
  const mine = rows.filter(([, who]) => who === service || who === 'both');
  return new Set(mine.map(([, , route]) => route ?? ''));
}

describe.each([
  ['service-a', serviceA],
  ['service-b', serviceB],
])('%s', (name, create) => {
  const app = create();

  it('has every documented route, and no other, in the table of docs/api.md', async () => {
    const document = (await request(app).get('/openapi.json').expect(200)).body;
    const documented = [...operationsOf(document)].map((r) => r.replace(/:(\w+)/g, '{$1}'));
    expect([...routesInApiPage(name)].sort()).toEqual(documented.sort());
  });

  it('documents exactly the routes it serves', async () => {
    const document = (await request(app).get('/openapi.json').expect(200)).body;
    const served = routesOf(app);
    // Served but not part of the API: the way to the docs themselves.
    served.delete('GET /');
    expect([...operationsOf(document)].sort()).toEqual([...served].sort());
  });

  it('gives every problem response an example with its own status', async () => {
    const document = (await request(app).get('/openapi.json').expect(200)).body as {
      paths: Record<
        string,
        Record<
          string,
          {
            responses: Record<
              string,
              { content?: Record<string, { example?: { status?: number } }> }
            >;
          }
        >
      >;
    };
    const wrong: string[] = [];
    let seen = 0;
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, { responses }] of Object.entries(operations)) {
        for (const [code, response] of Object.entries(responses)) {
          const media = response.content?.['application/problem+json'];
          if (!media) continue;
          seen++;
          if (media.example?.status !== Number(code)) wrong.push(`${method} ${path} ${code}`);
        }
      }
    }
    expect(seen).toBeGreaterThan(3);
    expect(wrong).toEqual([]);
  });
});
