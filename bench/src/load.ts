// HTTP load with autocannon: requests and messages per second, latency percentiles.
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
  /** Messages carried by one successful response (for batches: counted from the body). */
  messagesIn?: (body: string) => number;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  let messages = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSec,
    requests: [
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        body: options.body,
        onResponse: (status: number, body: string) => {
          if (status >= 200 && status < 300 && status !== 204) {
            messages += options.messagesIn ? options.messagesIn(body) : 1;
          }
        },
      },
    ],
  });
  return {
    requestsPerSec: result.requests.total / result.duration,
    messagesPerSec: messages / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** How many messages a service-b batch body holds (each carries exactly one "offset" member). */
export function countMessages(body: string): number {
  return body.split('"offset":').length - 1;
}
