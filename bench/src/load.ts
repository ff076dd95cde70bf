// HTTP load with autocannon: requests and messages per second, latency percentiles. autocannon
// parses responses with little work of its own, so the load generator takes as little as possible
// of the cores it shares with what it measures.
import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSec: number;
  messagesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationSec: number;
  /** Messages one successful response carries (default 1; 204 carries none). */
  messagesIn?: (body: string) => number;
  /** A request each connection sends after every measured one (a commit), not counted itself. */
  then?: { method: 'GET' | 'POST'; path: string };
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  let messages = 0;
  let measuredResponses = 0;
  const { messagesIn } = options;
  const measured: autocannon.Request = {
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    onResponse: (status: number, body: string) => {
      measuredResponses++;
      if (status >= 200 && status < 300 && status !== 204) {
        messages += messagesIn ? messagesIn(body) : 1;
      }
    },
  };
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSec,
    requests: options.then
      ? [measured, { method: options.then.method, path: options.then.path }]
      : [measured],
  });
  return {
    // Counted in onResponse, so a follow-up request is never counted (the load may stop between two).
    requestsPerSec: measuredResponses / result.duration,
    messagesPerSec: messages / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** Several loads at once (one per URL, the connections shared out), added together. */
export async function loadAll(
  urls: string[],
  options: Omit<LoadOptions, 'url'>,
): Promise<LoadResult> {
  const each = Math.max(1, Math.floor(options.connections / urls.length));
  const results = await Promise.all(
    urls.map((url) => load({ ...options, url, connections: each })),
  );
  const sum = (pick: (r: LoadResult) => number) => results.reduce((a, r) => a + pick(r), 0);
  return {
    requestsPerSec: sum((r) => r.requestsPerSec),
    messagesPerSec: sum((r) => r.messagesPerSec),
    p50Ms: Math.max(...results.map((r) => r.p50Ms)),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
  };
}
