// POST /api/messages/ack and /api/messages/nack: settle messages taken with ack=manual.
import express, { Router } from 'express';
import {
  methodNotAllowed,
  problemResponse,
  validateJsonBody,
  type ApiDocPart,
} from '@kafka-http/common';
import type { AckOutcome, AckRegistry } from '../delivery/ack-registry';

export const MAX_RECEIPTS_PER_REQUEST = 1000;
/** Room for MAX_RECEIPTS_PER_REQUEST receipts. */
const MAX_BODY = '256kb';

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
      express.json({ limit: MAX_BODY }),
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

// The routes' part of the OpenAPI document.

const { example: receiptsExample, ...receiptsSchema } = receiptsBodySchema;

const settleOperation = (summary: string, description: string) => ({
  tags: ['acknowledgement'],
  summary,
  description,
  requestBody: {
    required: true,
    content: { 'application/json': { schema: receiptsSchema, example: receiptsExample } },
  },
  responses: {
    '200': {
      description:
        'One result per receipt: `acked` / `nacked`, `expired` (its deadline passed; the message is delivered again), `unknown` (never issued here or already settled) or `other-instance` (issued by another service-b instance: settle it there).',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/SettleResults' } } },
    },
    '400': problemResponse('The body is not `{ "receipts": [...] }`.'),
    '413': problemResponse(`The body is larger than ${MAX_BODY}.`),
    '415': problemResponse('The body is not application/json.'),
  },
});

export const ackApiDocs: ApiDocPart = {
  paths: {
    '/api/messages/ack': {
      post: settleOperation(
        'Acknowledge messages taken with ack=manual',
        'Each acknowledged message may be committed (the commit still waits for earlier messages of its partition).',
      ),
    },
    '/api/messages/nack': {
      post: settleOperation(
        'Give messages back',
        'Each message is made available again, first in its partition.',
      ),
    },
  },
  schemas: {
    SettleResults: {
      type: 'object',
      properties: {
        results: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              receipt: { type: 'string' },
              outcome: {
                type: 'string',
                enum: ['acked', 'nacked', 'expired', 'unknown', 'other-instance'],
              },
            },
          },
        },
      },
    },
  },
};
