// A running Strimzi Kafka Bridge (or anything speaking its REST API), measured with the same loads
// as service-a and service-b: produce with `POST /topics/{topic}`, consume with consumer instances
// of one new group, each polling `GET …/records` and committing what it got (`POST …/offsets`)
// before its next poll, as service-b commits only what a response carried.
// The bridge's own settings decide what it does with a request: run it with
// `kafka.producer.acks=all` (service-a waits for every in-sync replica) and
// `kafka.consumer.max.poll.records` set to the records per response being compared.
import { countRecords, KeepAliveClient } from '../http-client';
import { load, type LoadResult } from '../load';
import { pollingReceiver, type Pair } from '../latency';
import { until } from '../processes';
import type { ConsumeResult } from '../consume';

const JSON_RECORDS = 'application/vnd.kafka.json.v2+json';
const BRIDGE_V2 = 'application/vnd.kafka.v2+json';

export interface Peer {
  name: string;
  url: string;
}

export function parsePeers(argv: readonly string[]): Peer[] {
  const peers: Peer[] = [];
  argv.forEach((arg, index) => {
    if (arg !== '--peer') return;
    const spec = argv[index + 1] ?? '';
    const match = /^([\w-]+)=(https?:\/\/.+)$/.exec(spec);
    if (!match) throw new Error(`--peer expects name=http://host:port, got "${spec}"`);
    peers.push({ name: match[1] as string, url: (match[2] as string).replace(/\/$/, '') });
  });
  return peers;
}

/** POSTs of `records` JSON records of `value` each, `connections` at a time. */
export async function bridgeProduce(
  peer: Peer,
  topic: string,
  {
    records,
    value,
    connections,
    durationSec,
  }: { records: number; value: string; connections: number; durationSec: number },
): Promise<LoadResult> {
  const body = JSON.stringify({ records: Array.from({ length: records }, () => ({ value })) });
  const result = await load({
    url: `${peer.url}/topics/${topic}`,
    method: 'POST',
    headers: { 'content-type': JSON_RECORDS },
    body,
    connections,
    durationSec,
  });
  return { ...result, messagesPerSec: result.messagesPerSec * records };
}

interface BridgeConsumer {
  baseUri: string;
}

async function createConsumers(
  client: KeepAliveClient,
  peer: Peer,
  group: string,
  topic: string,
  count: number,
  autoCommit = false,
): Promise<BridgeConsumer[]> {
  const consumers: BridgeConsumer[] = [];
  for (let i = 0; i < count; i++) {
    const created = await client.request(
      'POST',
      `${peer.url}/consumers/${group}`,
      { 'content-type': BRIDGE_V2 },
      JSON.stringify({
        name: `bench-${i}`,
        format: 'json',
        'auto.offset.reset': 'earliest',
        'enable.auto.commit': autoCommit,
      }),
    );
    if (created.status !== 200) {
      throw new Error(
        `${peer.name}: creating a consumer answered ${created.status} ${created.text}`,
      );
    }
    // The bridge answers with a base URI built from the Host header: keep the path only.
    const { base_uri: baseUri } = JSON.parse(created.text) as { base_uri: string };
    const consumer = { baseUri: `${peer.url}${new URL(baseUri).pathname}` };
    const subscribed = await client.request(
      'POST',
      `${consumer.baseUri}/subscription`,
      { 'content-type': BRIDGE_V2 },
      JSON.stringify({ topics: [topic] }),
    );
    if (subscribed.status !== 204) {
      throw new Error(`${peer.name}: subscribing answered ${subscribed.status} ${subscribed.text}`);
    }
    consumers.push(consumer);
  }
  return consumers;
}

async function pollAndCommit(
  client: KeepAliveClient,
  consumer: BridgeConsumer,
  commit = true,
): Promise<number> {
  const res = await client.request('GET', `${consumer.baseUri}/records?timeout=100`, {
    accept: JSON_RECORDS,
  });
  if (res.status !== 200) throw new Error(`polling answered ${res.status}`);
  const count = countRecords(res.text);
  if (count > 0 && commit) {
    const committed = await client.request('POST', `${consumer.baseUri}/offsets`);
    if (committed.status !== 204) throw new Error(`committing answered ${committed.status}`);
  }
  return count;
}

async function deleteConsumers(client: KeepAliveClient, consumers: BridgeConsumer[]) {
  await Promise.all(
    consumers.map((consumer) => client.request('DELETE', consumer.baseUri).catch(() => undefined)),
  );
}

/**
 * `connections` consumer instances in one new group read the backlog of `topic`, each on its own
 * keep-alive connection: poll, commit, poll again. With `autoCommit` the instances commit on their
 * own every few seconds instead (faster, and what a crash then loses is whatever was polled since).
 */
export async function bridgeConsume(
  peer: Peer,
  topic: string,
  {
    group,
    connections,
    durationSec,
    autoCommit = false,
  }: { group: string; connections: number; durationSec: number; autoCommit?: boolean },
): Promise<ConsumeResult & { recordsPerResponse: number }> {
  const client = new KeepAliveClient(connections);
  const consumers = await createConsumers(client, peer, group, topic, connections, autoCommit);
  try {
    // Warm-up: the group has settled once every instance has read records of its own.
    const seen = consumers.map(() => 0);
    await until(
      `${peer.name}: records for every consumer instance`,
      async () => {
        const counts = await Promise.all(
          consumers.map((c) => pollAndCommit(client, c, !autoCommit)),
        );
        counts.forEach((count, i) => (seen[i] = (seen[i] ?? 0) + count));
        return seen.every((count) => count > 0);
      },
      120_000,
    );
    const results = await Promise.all(
      consumers.map((consumer) =>
        load({
          url: `${consumer.baseUri}/records?timeout=100`,
          headers: { accept: JSON_RECORDS },
          connections: 1,
          durationSec,
          messagesIn: countRecords,
          then: autoCommit
            ? undefined
            : { method: 'POST', path: `${new URL(consumer.baseUri).pathname}/offsets` },
        }),
      ),
    );
    const messagesPerSec = results.reduce((a, r) => a + r.messagesPerSec, 0);
    const responsesPerSec = results.reduce((a, r) => a + r.requestsPerSec, 0);
    return {
      messagesPerSec,
      failures: results.reduce((a, r) => a + r.non2xx + r.errors, 0),
      recordsPerResponse: responsesPerSec > 0 ? messagesPerSec / responsesPerSec : 0,
    };
  } finally {
    await deleteConsumers(client, consumers);
    client.close();
  }
}

/**
 * For the latency measurement: single-record POSTs to `topic`, and one consumer instance of a new
 * group reading it, committing what each poll returned.
 */
export function bridgePair(peer: Peer, topic: string, group: string): Pair {
  const client = new KeepAliveClient(2);
  return {
    send: (value) =>
      client.request(
        'POST',
        `${peer.url}/topics/${topic}`,
        { 'content-type': JSON_RECORDS },
        JSON.stringify({ records: [{ value }] }),
      ),
    async receive(onValue) {
      const [consumer] = await createConsumers(client, peer, group, topic, 1);
      const instance = consumer as BridgeConsumer;
      // One poll at a time: a consumer instance serves one poll after the other.
      const stop = await pollingReceiver(async () => {
        const res = await client.request('GET', `${instance.baseUri}/records?timeout=500`, {
          accept: JSON_RECORDS,
        });
        if (res.status !== 200) return [];
        const records = JSON.parse(res.text) as { value: unknown }[];
        if (records.length > 0) await client.request('POST', `${instance.baseUri}/offsets`);
        return records.map((record) => String(record.value));
      }, 1)(onValue);
      return async () => {
        await stop();
        await deleteConsumers(client, [instance]);
        client.close();
      };
    },
  };
}
