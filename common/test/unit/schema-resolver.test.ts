// The registry client and the resolver's caching, against an in-memory stand-in of the Confluent
// API (test/support/schema-registry-stand-in.ts): what is fetched once, what an outage keeps
// working, and how each failure is told apart.
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { makeTestCertificates } from '@kafka-http/local-kafka';
import type { AddressInfo } from 'node:net';
import {
  frame,
  RegistryError,
  SchemaRegistryClient,
  SchemaResolver,
  type LookupOutcome,
} from '../../src';
import { startRegistryStandIn, type StandIn } from '@test-support/schema-registry-stand-in';

const USER_V1 = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'example',
  fields: [{ name: 'name', type: 'string' }],
});
const USER_V2 = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'example',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: 'int', default: 0 },
  ],
});
// "Ada": length 3 (zigzag 6) and the bytes.
const ADA = Buffer.from([6, 0x41, 0x64, 0x61]);

let registry: StandIn;
beforeEach(async () => {
  registry = await startRegistryStandIn();
});
afterEach(() => registry.close());

function client(
  url = registry.url,
  extra: Partial<ConstructorParameters<typeof SchemaRegistryClient>[0]> = {},
) {
  return new SchemaRegistryClient({ url, timeoutMs: 1000, ...extra });
}

describe('SchemaRegistryClient', () => {
  it('reads a schema by id (no schemaType means Avro) and where it is registered', async () => {
    const id = registry.register('users-value', USER_V1);
    const c = client();
    await expect(c.schemaById(id)).resolves.toEqual({
      format: 'AVRO',
      schema: USER_V1,
      references: [],
    });
    await expect(c.versionsOfId(id)).resolves.toEqual([{ subject: 'users-value', version: 1 }]);
    await expect(c.subjectVersion('users-value', 'latest')).resolves.toMatchObject({
      id,
      version: 1,
    });
    c.close();
  });

  it('tells not-found (with the registry code), refused and unreachable apart', async () => {
    const c = client();
    await expect(c.schemaById(99)).rejects.toMatchObject({ kind: 'not-found', errorCode: 40403 });
    await expect(c.subjectVersion('nope', 'latest')).rejects.toMatchObject({ errorCode: 40401 });
    c.close();

    const guarded = await startRegistryStandIn({ credentials: { username: 'u', password: 'p' } });
    const wrong = client(guarded.url, { username: 'u', password: 'x' });
    await expect(wrong.schemaById(1)).rejects.toMatchObject({ kind: 'refused', status: 401 });
    const right = client(guarded.url, { username: 'u', password: 'p' });
    guarded.register('s', USER_V1);
    await expect(right.schemaById(1)).resolves.toMatchObject({ format: 'AVRO' });
    wrong.close();
    right.close();
    await guarded.close();

    const closedUrl = registry.url;
    await registry.close();
    const gone = client(closedUrl);
    await expect(gone.schemaById(1)).rejects.toMatchObject({ kind: 'unavailable' });
    gone.close();
    registry = await startRegistryStandIn();
  });

  it('gives up on a registry that accepts the connection and never answers', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const c = client(`http://127.0.0.1:${port}`, { timeoutMs: 200 });
    const started = Date.now();
    const error = await c.schemaById(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).kind).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(2000);
    c.close();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('speaks TLS to a registry whose CA it is given, and refuses one it does not trust', async () => {
    const certs = makeTestCertificates(mkdtempSync(path.join(os.tmpdir(), 'registry-tls-')));
    const server = https.createServer(
      { pfx: readFileSync(certs.keystore.file), passphrase: certs.keystore.password },
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ schema: '"string"' }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://localhost:${(server.address() as AddressInfo).port}`;
    const trusted = client(url, { ca: readFileSync(certs.caFile, 'utf8') });
    await expect(trusted.schemaById(1)).resolves.toMatchObject({
      format: 'AVRO',
      schema: '"string"',
    });
    const untrusted = client(url, { ca: readFileSync(certs.otherCaFile, 'utf8') });
    await expect(untrusted.schemaById(1)).rejects.toMatchObject({ kind: 'unavailable' });
    trusted.close();
    untrusted.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('keeps a path prefix such as Apicurio’s /apis/ccompat/v7', async () => {
    const c = client(`${registry.url}/apis/ccompat/v7`);
    await c.schemaById(1).catch(() => undefined);
    expect(registry.requests).toEqual(['GET /apis/ccompat/v7/schemas/ids/1']);
    c.close();
  });
});

describe('SchemaResolver', () => {
  function resolver(now = () => Date.now()) {
    const outcomes: LookupOutcome[] = [];
    const r = new SchemaResolver({
      client: client(),
      failureTtlMs: 10_000,
      latestTtlMs: 10_000,
      onLookup: (o) => outcomes.push(o),
      now,
    });
    return { r, outcomes };
  }

  it('fetches each id once, then decodes from the cache, naming subject and version', async () => {
    const id = registry.register('users-value', USER_V1);
    const { r, outcomes } = resolver();
    const records = [
      { key: null, value: frame(id, ADA) },
      { key: null, value: frame(id, ADA) },
    ];
    expect(r.unknownIds(records)).toEqual([id]);
    await r.prefetch(r.unknownIds(records));
    expect(r.unknownIds(records)).toEqual([]);
    const fetched = registry.requests.length;
    expect(r.decode(frame(id, ADA), 'users-value')).toEqual({
      ok: true,
      json: '{"name":"Ada"}',
      name: 'example.User',
      registry: { id, format: 'AVRO', subject: 'users-value', version: 1 },
    });
    expect(registry.requests.length).toBe(fetched);
    expect(outcomes).toEqual(['miss', 'hit']);
    expect(r.decode(Buffer.from('plain'))).toBeUndefined();
    r.close();
  });

  it('keeps decoding known schemas through an outage, and does not wait on a dead registry', async () => {
    const v1 = registry.register('users-value', USER_V1);
    const v2 = registry.register('users-value', USER_V2);
    let clock = 1_000_000;
    const { r } = resolver(() => clock);
    await r.prefetch([v1]);
    registry.setDown(true);
    await r.prefetch([v2]);
    expect(r.decode(frame(v1, ADA))).toMatchObject({ ok: true, json: '{"name":"Ada"}' });
    expect(r.decode(frame(v2, Buffer.concat([ADA, Buffer.from([0x54])])))).toMatchObject({
      ok: false,
      schemaId: v2,
      reason: expect.stringContaining('503'),
    });
    // Within the failure interval nothing is asked again: the consumer does not wait per batch.
    const asked = registry.requests.length;
    expect(r.unknownIds([{ key: null, value: frame(v2, ADA) }])).toEqual([]);
    await r.prefetch([v2]);
    expect(registry.requests.length).toBe(asked);
    // Once the interval has passed and the registry is back, the new version decodes too.
    registry.setDown(false);
    clock += 10_001;
    await r.prefetch(r.unknownIds([{ key: null, value: frame(v2, ADA) }]));
    expect(r.decode(frame(v2, Buffer.concat([ADA, Buffer.from([0x54])])))).toMatchObject({
      ok: true,
      json: '{"name":"Ada","age":42}',
      registry: { version: 2 },
    });
    r.close();
  });

  it('remembers an id the registry does not know, with a reason', async () => {
    const { r } = resolver();
    await r.prefetch([77]);
    expect(r.decode(frame(77, ADA))).toEqual({
      ok: false,
      schemaId: 77,
      reason: expect.stringContaining('has no schema 77'),
    });
    r.close();
  });

  it("trusts a subject's latest for its interval, and keeps it while the registry is away", async () => {
    registry.register('users-value', USER_V1);
    let clock = 0;
    const { r } = resolver(() => clock);
    const first = await r.subjectSchema('users-value');
    const v2 = registry.register('users-value', USER_V2);
    await expect(r.subjectSchema('users-value')).resolves.toBe(first);
    clock += 10_001;
    await expect(r.subjectSchema('users-value')).resolves.toMatchObject({ id: v2, version: 2 });
    registry.setDown(true);
    clock += 10_001;
    await expect(r.subjectSchema('users-value')).resolves.toMatchObject({ id: v2 });
    // A version once read never changes: it is served from the cache; one never read cannot be.
    await expect(r.subjectSchema('users-value', 1)).resolves.toMatchObject({ version: 1 });
    await expect(r.subjectSchema('users-value', 3)).rejects.toMatchObject({ kind: 'unavailable' });
    r.close();
  });
});
