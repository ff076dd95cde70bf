// POST /api/messages: the body becomes one Kafka record; the answer says where it landed.
import express, { Router } from 'express';
import {
  methodNotAllowed,
  preferredResponseType,
  requireAcceptable,
  validateQuery,
  type QuerySchema,
} from '@kafka-http/common';
import { CONTENT_TYPE_HEADER, encodeRequestBody } from '../messages/message-codec';
import type { MessagePublisher } from '../kafka/message-publisher';

export const produceQuerySchema: QuerySchema = {
  type: 'object',
  properties: {
    key: {
      type: 'string',
      minLength: 1,
      maxLength: 4096,
      description:
        'Record key. Records with the same key go to the same partition, so they keep their order.',
      example: 'user-42',
    },
  },
};

export function messagesRouter({
  publisher,
  maxMessageBytes,
}: {
  publisher: MessagePublisher;
  maxMessageBytes: number;
}): Router {
  const router = Router();
  router.post(
    '/api/messages',
    // Refuse an unanswerable Accept before anything is written to Kafka.
    requireAcceptable(),
    validateQuery(produceQuerySchema),
    // Every content type is read as bytes; the codec decides what is acceptable.
    express.raw({ type: () => true, limit: maxMessageBytes }),
    async (req, res) => {
      const encoded = encodeRequestBody(req.body as Buffer | undefined, req.get('content-type'));
      const { key } = res.locals.query as { key?: string };
      const published = await publisher.publish({
        key,
        value: encoded.value,
        headers: { [CONTENT_TYPE_HEADER]: encoded.contentType },
      });
      if (preferredResponseType(req) === 'text/plain') {
        res
          .type('text/plain')
          .send(
            `Message '${encoded.text}' sent to ${published.topic} [[${published.partition}]] @${published.offset}`,
          );
        return;
      }
      res.json(published);
    },
  );
  router.all('/api/messages', methodNotAllowed(['POST']));
  return router;
}
