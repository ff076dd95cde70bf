// The bench's client of the Strimzi bridge's REST API, against a small stand-in that answers the
// way the bridge 1.0.0 does (a base URI built from the Host header, 204 for subscribe and commit,
// a JSON array of records). It checks the calls, not the bridge: the bridge itself is measured
// only when one runs (`npm run bench -- --peer bridge=…`).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  bridgeConsume,
  bridgeProduce,
  parsePeers,
  type Peer,
} from '../../src/peers/strimzi-bridge';

interface Call {
  method: string;
  path: string;
  contentType?: string;
  accept?: string;
  body: string;
}

async function standIn(): Promise<{ peer: Peer; calls: Call[]; close(): Promise<void> }> {
  const calls: Call[] = [];
  let offset = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      calls.push({
        method: req.method ?? '',
        path,
        contentType: req.headers['content-type'],
        accept: req.headers.accept,
        body,
      });
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/vnd.kafka.v2+json' });
        res.end(JSON.stringify(value));
      };
      const created = /^\/consumers\/([^/]+)$/.exec(path);
      if (req.method === 'POST' && created) {
        const { name } = JSON.parse(body) as { name: string };
        return json(200, {
          instance_id: name,
          base_uri: `http://${req.headers.host}/consumers/${created[1]}/instances/${name}`,
        });
      }
      if (path.endsWith('/subscription') || path.endsWith('/offsets')) {
        res.writeHead(204).end();
        return;
      }
      if (path.includes('/records')) {
        const records = Array.from({ length: 3 }, () => ({
          topic: 't',
          key: null,
          value: 'v',
          partition: 0,
          offset: offset++,
        }));
        return json(200, records);
      }
      if (req.method === 'DELETE') {
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'POST' && path.startsWith('/topics/')) {
        return json(200, { offsets: [{ partition: 0, offset: offset++ }] });
      }
      json(404, { error_code: 404, message: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    peer: { name: 'bridge', url: `http://127.0.0.1:${port}` },
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the Strimzi bridge client of the bench', () => {
  it('when peers are given as name=url, then each is read; anything else is refused', () => {
    expect(parsePeers(['--smoke', '--peer', 'bridge=http://127.0.0.1:8080/'])).toEqual([
      { name: 'bridge', url: 'http://127.0.0.1:8080' },
    ]);
    expect(() => parsePeers(['--peer', 'http://127.0.0.1:8080'])).toThrow(/name=http/);
  });

  it('when producing, then records go as JSON records in the bridge format', async () => {
    const bridge = await standIn();
    try {
      const result = await bridgeProduce(bridge.peer, 'orders', {
        records: 2,
        value: 'hi',
        connections: 1,
        durationSec: 0.2,
      });
      const posts = bridge.calls.filter((call) => call.path === '/topics/orders');
      expect(posts.length).toBeGreaterThan(0);
      expect(posts[0]?.contentType).toBe('application/vnd.kafka.json.v2+json');
      expect(JSON.parse(posts[0]?.body ?? '')).toEqual({
        records: [{ value: 'hi' }, { value: 'hi' }],
      });
      expect(result.messagesPerSec).toBeCloseTo(result.requestsPerSec * 2, 5);
    } finally {
      await bridge.close();
    }
  });

  it('when consuming, then each instance subscribes, commits after every poll, and is deleted', async () => {
    const bridge = await standIn();
    try {
      const result = await bridgeConsume(bridge.peer, 'orders', {
        group: 'g1',
        connections: 2,
        durationSec: 0.3,
      });
      const { calls } = bridge;
      const created = calls.filter(
        (call) => call.method === 'POST' && call.path === '/consumers/g1',
      );
      expect(created.map((call) => JSON.parse(call.body))).toEqual([
        expect.objectContaining({ name: 'bench-0', format: 'json', 'enable.auto.commit': false }),
        expect.objectContaining({ name: 'bench-1', format: 'json', 'enable.auto.commit': false }),
      ]);
      for (const name of ['bench-0', 'bench-1']) {
        const base = `/consumers/g1/instances/${name}`;
        const own = calls.filter((call) => call.path.startsWith(base));
        expect(JSON.parse(own.find((c) => c.path === `${base}/subscription`)?.body ?? '')).toEqual({
          topics: ['orders'],
        });
        const polls = own.filter((call) => call.path.startsWith(`${base}/records`));
        const commits = own.filter((call) => call.path === `${base}/offsets`);
        expect(polls.length).toBeGreaterThan(1);
        expect(polls.every((call) => call.accept === 'application/vnd.kafka.json.v2+json')).toBe(
          true,
        );
        // Every poll that returned records is followed by a commit before the next poll.
        expect(Math.abs(commits.length - polls.length)).toBeLessThanOrEqual(1);
        expect(own.at(-1)?.method).toBe('DELETE');
      }
      expect(result.recordsPerResponse).toBeCloseTo(3, 5);
      expect(result.failures).toBe(0);
    } finally {
      await bridge.close();
    }
  });
});
