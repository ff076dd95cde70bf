// What service-a's OpenAPI document says about the produce routes: binary bodies, base64 batch
// items, ?async=true and its 202 answers.
import request from 'supertest';
import { setup } from '@test-support/produce-harness';

describe('the OpenAPI document', () => {
  it('describes binary bodies, base64 batch items, async and its 202 answers', async () => {
    const { app } = setup();
    const doc = (await request(app).get('/openapi.json').expect(200)).body;
    const post = doc.paths['/api/messages'].post;
    expect(Object.keys(post.requestBody.content)).toContain('application/octet-stream');
    expect(post.responses['202'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Queued',
    });
    expect(post.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'async', in: 'query' })]),
    );
    const batch = doc.paths['/api/messages/batch'].post;
    expect(batch.responses['202']).toBeDefined();
    expect(batch.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'async', in: 'query' })]),
    );
    const item = batch.requestBody.content['application/json'].schema.properties.messages.items;
    expect(item.properties.encoding.enum).toEqual(['base64']);
  });
});
