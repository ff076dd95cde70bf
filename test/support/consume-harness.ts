// service-b in-process for the tests of its consume routes (batches, manual acknowledgement, the
// SSE stream): a real DeliveryBuffer behind an http server that notes what happens, in order.
import { once } from 'node:events';
import {
  createServer,
  get,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'supertest';
import { type Readiness } from '@kafka-http/common';
import {
  DeliveryBuffer,
  type BufferedMessage,
  type Lease,
} from '../../service-b/src/delivery/delivery-buffer';
import { serviceBApp } from './apps';

export const LIMITS = {
  defaultWaitMs: 0,
  defaultVisibilityMs: 30_000,
  batchMaxMessages: 5,
  maxValueBytes: 64,
};

export interface MessageJson {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: unknown;
  headers: Record<string, string>;
  timestamp: string | null;
  receipt?: string;
  visibleUntil?: string;
  error?: string;
  valueBytes?: number;
}

export function record(
  offset: number,
  {
    partition = 0,
    value = `message ${partition}/${offset}`,
    headers = { 'content-type': Buffer.from('text/plain; charset=utf-8') },
  }: {
    partition?: number;
    value?: string | Buffer;
    headers?: BufferedMessage['headers'];
  } = {},
): BufferedMessage {
  return {
    topic: 'message-topic',
    partition,
    offset: String(offset),
    key: null,
    value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
    headers,
    timestamp: '1700000000000',
  };
}

const servers: Server[] = [];

export function setup({ streamKeepAliveMs }: { streamKeepAliveMs?: number } = {}) {
  /** In order: responses finished, stream events written and offsets that became committable. */
  const events: string[] = [];
  const onCommittable = jest.fn((partition: number, offset: bigint): void => {
    events.push(`committable ${partition}@${offset}`);
  });
  const buffer = new DeliveryBuffer({
    maxMessages: 100_000,
    maxBytes: 1024 * 1024 * 1024,
    onCommittable,
  });
  const readiness = (): Readiness => ({ ready: true, details: { kafka: 'connected' } });
  const { app } = serviceBApp({ buffer, readiness, limits: LIMITS, streamKeepAliveMs });
  const responses: ServerResponse[] = [];
  const server = createServer((req, res) => {
    responses.push(res);
    // Notes each SSE event as it is handed to res.write, to order it against its commit.
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    (res as unknown as { write: (...args: unknown[]) => boolean }).write = (...args) => {
      const id = /^id: (\S+)/.exec(String(args[0]))?.[1];
      if (id) events.push(`wrote ${id}`);
      return write(...args);
    };
    res.once('finish', () => events.push('response finished'));
    app(req, res);
  });
  servers.push(server);
  return { buffer, server, events, onCommittable, responses };
}

/** For afterEach: closes the servers setup() made and undoes spies and fake timers. */
export function cleanUp(): void {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
  jest.restoreAllMocks();
  jest.useRealTimers();
}

/** Resolves once the app's next buffer.take() is waiting, with the promise take() returned. */
export function nextTake(buffer: DeliveryBuffer): Promise<{ taking: Promise<Lease | undefined> }> {
  const original = buffer.take.bind(buffer);
  return new Promise((resolve) => {
    jest.spyOn(buffer, 'take').mockImplementationOnce((waitMs, signal) => {
      const taking = original(waitMs, signal);
      resolve({ taking });
      return taking;
    });
  });
}

/** Polls a condition until it holds, failing after a deadline. */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function batchOf(res: Response): MessageJson[] {
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return (res.body as { messages: MessageJson[] }).messages;
}

export function where(messages: MessageJson[]): string[] {
  return messages.map((m) => `${m.partition}:${m.offset}`);
}

export async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Parses the complete events of an SSE text (fields as in the HTML spec, comments apart). */
export function parseSse(text: string): { events: SseEvent[]; comments: string[] } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const blocks = text.split('\n\n');
  blocks.pop(); // not terminated yet
  for (const block of blocks) {
    const event: SseEvent = { data: '' };
    const data: string[] = [];
    let hasField = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        comments.push(line);
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      hasField = true;
      if (field === 'data') data.push(value);
      else if (field === 'id') event.id = value;
      else if (field === 'event') event.event = value;
    }
    if (!hasField) continue;
    event.data = data.join('\n');
    events.push(event);
  }
  return { events, comments };
}

export interface StreamClient {
  req: ReturnType<typeof get>;
  res: IncomingMessage;
  text(): string;
  events(): SseEvent[];
  ended: Promise<void>;
}

export async function openStream(
  port: number,
  headers: OutgoingHttpHeaders = { Accept: 'text/event-stream' },
): Promise<StreamClient> {
  const req = get({ host: '127.0.0.1', port, path: '/api/messages/stream', headers });
  req.on('error', () => undefined);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  res.on('error', () => undefined);
  res.setEncoding('utf8');
  let text = '';
  res.on('data', (chunk: string) => {
    text += chunk;
  });
  const ended = new Promise<void>((resolve) => res.once('end', () => resolve()));
  return { req, res, text: () => text, events: () => parseSse(text).events, ended };
}
