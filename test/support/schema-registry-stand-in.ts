// A stand-in for a Confluent-compatible schema registry: the five calls the services make, with
// the answers and error codes the Confluent API reference documents (40401 subject not found,
// 40402 version not found, 40403 schema not found), in memory. For unit tests of the registry
// client and the resolver; the Kafka-path tests use a real registry (test/support/registry.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Stored {
  id: number;
  schema: string;
  schemaType?: string;
  references?: unknown[];
}

export interface StandIn {
  url: string;
  /** Every request path it received, in order. */
  requests: string[];
  register(subject: string, schema: string, schemaType?: string, references?: unknown[]): number;
  /** Answers 503 to everything while down. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startRegistryStandIn({
  credentials,
}: { credentials?: { username: string; password: string } } = {}): Promise<StandIn> {
  const byId = new Map<number, Stored>();
  const subjects = new Map<string, number[]>();
  const requests: string[] = [];
  let down = false;
  const register = (
    subject: string,
    schema: string,
    schemaType?: string,
    references?: unknown[],
  ): number => {
    let found = [...byId.values()].find((s) => s.schema === schema && s.schemaType === schemaType);
    if (!found) {
      found = { id: byId.size + 1, schema, schemaType, references };
      byId.set(found.id, found);
    }
    const versions = subjects.get(subject) ?? [];
    if (!versions.includes(found.id)) versions.push(found.id);
    subjects.set(subject, versions);
    return found.id;
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      requests.push(`${req.method} ${path}`);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
        res.end(JSON.stringify(body));
      };
      if (down) return send(503, { error_code: 50301, message: 'unavailable' });
      if (credentials) {
        const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
        if (req.headers.authorization !== expected) {
          return send(401, { error_code: 401, message: 'Unauthorized' });
        }
      }
      let match = /^\/schemas\/ids\/(\d+)(\/versions)?$/.exec(path);
      if (match && req.method === 'GET') {
        const stored = byId.get(Number(match[1]));
        if (!stored) return send(404, { error_code: 40403, message: 'Schema not found' });
        if (match[2]) {
          const where: { subject: string; version: number }[] = [];
          for (const [subject, ids] of subjects) {
            const index = ids.indexOf(stored.id);
            if (index >= 0) where.push({ subject, version: index + 1 });
          }
          return send(200, where);
        }
        const { schema, schemaType, references } = stored;
        return send(200, {
          schema,
          ...(schemaType ? { schemaType } : {}),
          ...(references ? { references } : {}),
        });
      }
      match = /^\/subjects\/([^/]+)\/versions(?:\/([^/]+))?$/.exec(path);
      if (match) {
        const subject = match[1] as string;
        if (req.method === 'POST' && match[2] === undefined) {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Stored;
          return send(200, {
            id: register(subject, body.schema, body.schemaType, body.references),
          });
        }
        const ids = subjects.get(subject);
        if (!ids)
          return send(404, { error_code: 40401, message: `Subject '${subject}' not found.` });
        const version = match[2] === 'latest' ? ids.length : Number(match[2]);
        const id = ids[version - 1];
        const stored = id === undefined ? undefined : byId.get(id);
        if (!stored) return send(404, { error_code: 40402, message: 'Version not found.' });
        return send(200, {
          subject,
          version,
          id: stored.id,
          schema: stored.schema,
          ...(stored.schemaType ? { schemaType: stored.schemaType } : {}),
          ...(stored.references ? { references: stored.references } : {}),
        });
      }
      send(404, { error_code: 404, message: 'HTTP 404 Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    register,
    setDown: (value) => {
      down = value;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
