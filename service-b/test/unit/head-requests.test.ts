// HEAD on the batch and stream routes answers 405 and consumes nothing.
import request from 'supertest';
import { cleanUp, record, setup } from '@test-support/consume-harness';

afterEach(cleanUp);

describe('HEAD must not consume anything', () => {
  it.each(['/api/messages/batch', '/api/messages/stream'])(
    'HEAD %s answers 405 and leaves the message for a GET',
    async (path) => {
      const { buffer, server, onCommittable } = setup();
      buffer.offer(record(0));
      const res = await request(server).head(path).set('Accept', '*/*');
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET');
      expect(onCommittable).not.toHaveBeenCalled();
      expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
      const next = await request(server).get('/api/messages');
      expect(next.body).toEqual(expect.objectContaining({ offset: '0' }));
    },
  );
});
