// Security and observability of both services on a real broker: API keys, security headers,
// CORS, request limits, request ids, W3C trace context from POST to GET, Prometheus metrics.
import request from 'supertest';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import { uniqueName } from '@test-support/kafka';
import { startA, startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';

const KEY = 'test-key-0123456789abcdef';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('production readiness on a real broker', () => {
  const topic = uniqueName('prod');
  let a: ServiceA;
  let b: ServiceB;
  beforeAll(async () => {
    const env = {
      KAFKA_TOPIC: topic,
      API_KEYS: `other-key-0123456789,${KEY}`,
      CORS_ORIGINS: 'https://app.example',
      MAX_QUERY_BYTES: '256',
      MAX_HEADER_BYTES: '4096',
    };
    a = await startA(env);
    b = await startB({ ...env, KAFKA_GROUP_ID: uniqueName('prod-group') });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('refuses calls without a valid API key with 401 problem+json, and keeps health open', async () => {
    for (const [url, method] of [
      [a.url, 'post'],
      [b.url, 'get'],
    ] as const) {
      const call = () => request(url)[method]('/api/messages');
      const missing = await call();
      expect(missing.status).toBe(401);
      expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(missing.headers['www-authenticate']).toBe('Bearer');
      const wrong = await call().set('X-API-Key', 'wrong-key-0123456789');
      expect(wrong.status).toBe(401);
      expect(wrong.body.detail).toMatch(/not valid/);
      await request(url).get('/health/ready').expect(200);
      await request(url).get('/health/live').expect(200);
      await request(url).get('/metrics').expect(401);
    }
    await request(a.url)
      .post('/api/messages')
      .set('Authorization', `Bearer ${KEY}`)
      .type('text/plain')
      .send('with a bearer key')
      .expect(200);
    const got = await request(b.url)
      .get('/api/messages?waitMs=5000')
      .set('X-API-Key', KEY)
      .expect(200);
    expect(got.body.value).toBe('with a bearer key');
  });

  it('sends security headers, CORS only for the configured origin, and enforces limits', async () => {
    const res = await request(a.url).get('/health/live');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(res.headers['x-frame-options']).toBe('DENY');

    const preflight = await request(a.url)
      .options('/api/messages')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type, x-api-key');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
    const stranger = await request(a.url).get('/health/live').set('Origin', 'https://evil.example');
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();

    const longQuery = await request(b.url)
      .get(`/api/messages?waitMs=0&x=${'a'.repeat(300)}`)
      .set('X-API-Key', KEY);
    expect(longQuery.status).toBe(414);
    expect(longQuery.headers['content-type']).toMatch(/application\/problem\+json/);
    const bigHeader = await request(a.url).get('/health/live').set('X-Padding', 'p'.repeat(5000));
    expect(bigHeader.status).toBe(431);
  });

  it('carries a request id, and a traceparent from the POST into the record and out on the GET', async () => {
    const posted = await request(a.url)
      .post('/api/messages')
      .set('X-API-Key', KEY)
      .set('X-Request-Id', 'req-42')
      .set('traceparent', TRACEPARENT)
      .type('text/plain')
      .send('traced')
      .expect(200);
    expect(posted.headers['x-request-id']).toBe('req-42');
    const got = await request(b.url)
      .get('/api/messages?waitMs=5000')
      .set('X-API-Key', KEY)
      .expect(200);
    expect(got.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(got.body.value).toBe('traced');
    expect(got.body.headers.traceparent).toBe(TRACEPARENT);
    expect(got.headers.traceparent).toBe(TRACEPARENT);
  });

  it('exposes Prometheus metrics of HTTP and of the Kafka path', async () => {
    await waitFor('commits counted', async () => {
      const text = (await request(b.url).get('/metrics').set('X-API-Key', KEY)).text;
      return /kafka_messages_committed_total\{service="service-b"\} [1-9]/.test(text);
    });
    const metricsA = (await request(a.url).get('/metrics').set('X-API-Key', KEY).expect(200)).text;
    expect(metricsA).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/api\/messages"[^}]*status="200"[^}]*\} [1-9]/,
    );
    expect(metricsA).toMatch(/kafka_messages_produced_total\{service="service-a"\} [2-9]/);
    expect(metricsA).toMatch(/kafka_send_records_count\{service="service-a"\} [1-9]/);
    expect(metricsA).toMatch(/process_resident_memory_bytes/);
    const metricsB = (await request(b.url).get('/metrics').set('X-API-Key', KEY).expect(200)).text;
    expect(metricsB).toMatch(/messages_delivered_total\{service="service-b"\} [2-9]/);
    expect(metricsB).toMatch(/buffer_messages\{state="waiting",service="service-b"\} 0/);
    expect(metricsB).toMatch(/kafka_consumer_lag\{partition="0",service="service-b"\} 0/);
    expect(metricsB).toMatch(/kafka_rebalances_total\{service="service-b"\} [1-9]/);
  });
});
