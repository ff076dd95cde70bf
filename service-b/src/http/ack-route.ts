// POST /api/messages/ack and /api/messages/nack: settle messages taken with ack=manual.
import express, { Router } from 'express';
import { methodNotAllowed, validateJsonBody } from '@kafka-http/common';
import type { AckOutcome, AckRegistry } from '../delivery/ack-registry';

export const MAX_RECEIPTS_PER_REQUEST = 1000;

export const receiptsBodySchema = {
  type: 'object',
  required: ['receipts'],
  additionalProperties: false,
  properties: {
    receipts: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_RECEIPTS_PER_REQUEST,
      items: { type: 'string', minLength: 1, maxLength: 200 },
      description: 'Receipts from GET /api/messages?ack=manual (or the batch GET).',
    },
  },
  example: { receipts: ['b-3f9c.Q2x1Y2tlZC1yZWNlaXB0'] },
} as const;

export function ackRouter({ acks }: { acks: AckRegistry }): Router {
  const router = Router();
  const settle = (action: (receipt: string) => AckOutcome) =>
    [
      express.json({ limit: '256kb' }),
      validateJsonBody(receiptsBodySchema),
      (req: express.Request, res: express.Response) => {
        const { receipts } = req.body as { receipts: string[] };
        res.json({ results: receipts.map((receipt) => ({ receipt, outcome: action(receipt) })) });
      },
    ] as const;
  router.post('/api/messages/ack', ...settle((receipt) => acks.ack(receipt)));
  router.post('/api/messages/nack', ...settle((receipt) => acks.nack(receipt)));
  router.all(['/api/messages/ack', '/api/messages/nack'], methodNotAllowed(['POST']));
  return router;
}
