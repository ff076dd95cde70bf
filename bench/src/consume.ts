// Reading a backlog through service-b the three ways a client can: batch GETs, single GETs and an
// SSE stream, each from a fixed number of keep-alive connections. Joining the group is not counted:
// the load starts once a first GET found a message (for SSE: at the first event).
import http from 'node:http';
import { countRecords } from './http-client';
import { load, loadAll, type LoadResult } from './load';
import { until } from './processes';

export interface ConsumeResult {
  messagesPerSec: number;
  /** Responses that were not 2xx, and requests that failed. */
  failures: number;
}

function consumed(result: LoadResult): ConsumeResult {
  return { messagesPerSec: result.messagesPerSec, failures: result.non2xx + result.errors };
}

/** Batch GETs of `max` from one or more service-b processes, `connections` in all. */
export async function batchGets(
  urls: string[],
  { max, connections, durationSec }: { max: number; connections: number; durationSec: number },
): Promise<ConsumeResult> {
  const path = `/api/messages/batch?max=${max}&waitMs=100`;
  for (const url of urls) await untilFirstMessage(`${url}${path}`);
  return consumed(
    await loadAll(
      urls.map((url) => `${url}${path}`),
      { connections, durationSec, messagesIn: countRecords },
    ),
  );
}

/** Single-message GETs. */
export async function singleGets(
  url: string,
  { connections, durationSec }: { connections: number; durationSec: number },
): Promise<ConsumeResult> {
  const path = '/api/messages?waitMs=100';
  await untilFirstMessage(`${url}${path}`);
  return consumed(await load({ url: `${url}${path}`, connections, durationSec }));
}

/** `streams` SSE streams open at once, counting `message` events. */
export async function sseStreams(
  url: string,
  { streams, durationSec }: { streams: number; durationSec: number },
): Promise<ConsumeResult> {
  let events = 0;
  let started = 0;
  const requests: http.ClientRequest[] = [];
  await Promise.all(
    Array.from(
      { length: streams },
      () =>
        new Promise<void>((resolve, reject) => {
          const req = http.get(
            `${url}/api/messages/stream`,
            { headers: { accept: 'text/event-stream' } },
            (res) => {
              res.setEncoding('utf8');
              let tail = '';
              res.on('data', (chunk: string) => {
                const text = tail + chunk;
                const count = text.split('\nevent: message\n').length - 1;
                if (count > 0 && started === 0) started = performance.now();
                if (started > 0) events += count;
                tail = text.slice(-16);
              });
              res.on('error', () => undefined);
              resolve();
            },
          );
          req.on('error', reject);
          requests.push(req);
        }),
    ),
  );
  await until('the first SSE event', () => started > 0, 60_000);
  await new Promise((resolve) => setTimeout(resolve, durationSec * 1000));
  const elapsed = (performance.now() - started) / 1000;
  const counted = events;
  for (const req of requests) req.destroy();
  return { messagesPerSec: counted / elapsed, failures: 0 };
}

/** Warm-up: the group is joined and the first records are in (a GET answers 200, not 204). */
async function untilFirstMessage(url: string): Promise<void> {
  await until('the first message', async () => (await fetch(url)).status === 200, 60_000);
}
