// The three JSON read paths of service-b, each read until a count or until nothing more comes:
// batch GET, single GET and the SSE stream.
import { get } from 'node:http';
import request from 'supertest';

/** What a read path delivers for one record. */
export interface Wire {
  partition: number;
  offset: string;
  [field: string]: unknown;
}

/** Anything with the URL of a running service-b. */
interface Reachable {
  url: string;
}

export async function readBatches(service: Reachable, count: number): Promise<Wire[]> {
  const got: Wire[] = [];
  while (got.length < count) {
    const res = await request(service.url).get('/api/messages/batch?max=7&waitMs=5000');
    expect(res.status).toBe(200);
    const { messages } = res.body as { messages: Wire[] };
    if (messages.length === 0) break;
    got.push(...messages);
  }
  return got;
}

export async function readSingles(service: Reachable, count: number): Promise<Wire[]> {
  const got: Wire[] = [];
  while (got.length < count) {
    const res = await request(service.url).get('/api/messages?waitMs=5000');
    if (res.status === 204) break;
    expect(res.status).toBe(200);
    got.push(res.body as Wire);
  }
  return got;
}

/** Reads `count` events from the SSE stream, then closes it. */
export function readStream(service: Reachable, count: number): Promise<Wire[]> {
  return new Promise((resolve, reject) => {
    const got: Wire[] = [];
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`the stream delivered ${got.length} of ${count}`));
    }, 60_000);
    const req = get(`${service.url}/api/messages/stream`, (res) => {
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const event = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const data = event.split('\n').find((line) => line.startsWith('data: '));
          if (data) got.push(JSON.parse(data.slice(6)) as Wire);
        }
        if (got.length >= count) {
          clearTimeout(timer);
          req.destroy();
          resolve(got);
        }
      });
    });
    req.on('error', (error) => {
      if (got.length < count) reject(error);
    });
  });
}
