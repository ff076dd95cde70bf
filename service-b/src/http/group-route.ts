// GET /api/topic, GET /api/consumer/lag and POST /api/consumer/position (replay): the topic's
// partitions and offsets, how far the group is behind, and moving the group's position.
import express, { Router } from 'express';
import { HttpProblem, methodNotAllowed, problems, validateJsonBody } from '@kafka-http/common';
import { UnknownPartitionError, type MoveTarget } from '../kafka/group-offsets';
import type { GroupOperations, MoveOutcome } from '../kafka/group-position';
import { KafkaUnavailableError } from '../kafka/shared-admin';

/** Seconds a client should wait before asking again after a 503. */
export const RETRY_AFTER_SECONDS = 5;

const OFFSET_PATTERN = '^[0-9]{1,19}$';

export const positionBodySchema = {
  type: 'object',
  required: ['to'],
  additionalProperties: false,
  properties: {
    to: {
      type: 'string',
      enum: ['beginning', 'end', 'offset', 'timestamp'],
      description:
        '`beginning`: the earliest offset still in the log (replay everything); `end`: the end of the log (skip everything not yet delivered); `offset`: the given `offset`; `timestamp`: the first record at or after `timestamp`.',
    },
    partition: {
      type: 'integer',
      minimum: 0,
      maximum: 2147483647,
      description: 'The partition to move; every partition when left out.',
    },
    offset: {
      oneOf: [
        { type: 'string', pattern: OFFSET_PATTERN },
        { type: 'integer', minimum: 0 },
      ],
      description:
        'With `to: offset`: the next offset to deliver (a decimal string or an integer). Outside [earliest, latest] it is clamped to the nearest end, and the answer says so.',
    },
    timestamp: {
      oneOf: [
        { type: 'string', minLength: 1, maxLength: 64 },
        { type: 'integer', minimum: 0 },
      ],
      description:
        'With `to: timestamp`: ISO 8601 (`2026-11-23T18:00:00Z`, with a zone, or a date alone meaning UTC midnight) or milliseconds since the epoch.',
    },
  },
  example: { to: 'timestamp', timestamp: '2026-11-23T18:00:00Z', partition: 0 },
} as const;

interface PositionBody {
  to: MoveTarget['to'];
  partition?: number;
  offset?: string | number;
  timestamp?: string | number;
}

const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/i;

/** Milliseconds since the epoch, or undefined when the text is not a timestamp this API takes. */
export function parseTimestamp(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (/^\d{1,15}$/.test(value)) return Number(value);
  if (!ISO_8601.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) || ms < 0 ? undefined : ms;
}

/** The body (already checked against the schema) as a move target, or the problems with it. */
export function moveTargetFrom(
  body: PositionBody,
): { target: MoveTarget } | { errors: { name: string; reason: string }[] } {
  const errors: { name: string; reason: string }[] = [];
  const needs = (name: 'offset' | 'timestamp') => {
    if (body[name] === undefined)
      errors.push({ name, reason: `is required with "to": "${body.to}"` });
  };
  const refuses = (name: 'offset' | 'timestamp') => {
    if (body[name] !== undefined)
      errors.push({ name, reason: `is not allowed with "to": "${body.to}"` });
  };
  const partition = body.partition === undefined ? {} : { partition: body.partition };
  switch (body.to) {
    case 'beginning':
    case 'end':
      refuses('offset');
      refuses('timestamp');
      return errors.length ? { errors } : { target: { to: body.to, ...partition } };
    case 'offset':
      needs('offset');
      refuses('timestamp');
      if (errors.length || body.offset === undefined) return { errors };
      return { target: { to: 'offset', offset: BigInt(body.offset), ...partition } };
    case 'timestamp': {
      needs('timestamp');
      refuses('offset');
      const timestamp = body.timestamp === undefined ? undefined : parseTimestamp(body.timestamp);
      if (body.timestamp !== undefined && timestamp === undefined) {
        errors.push({
          name: 'timestamp',
          reason:
            'must be ISO 8601 with a zone (2026-11-23T18:00:00Z), a date, or epoch milliseconds',
        });
      }
      if (errors.length || timestamp === undefined) return { errors };
      return { target: { to: 'timestamp', timestamp, ...partition } };
    }
  }
}

/** Kafka trouble is a 503 with Retry-After; a partition the topic lacks is the client's 422. */
function asProblem(error: unknown): unknown {
  if (error instanceof KafkaUnavailableError) {
    return problems.serviceUnavailable(
      `Kafka could not be asked: ${error.message}.`,
      RETRY_AFTER_SECONDS,
    );
  }
  if (error instanceof UnknownPartitionError) {
    return new HttpProblem({
      status: 422,
      title: 'Unprocessable Content',
      detail: error.message,
      extensions: { partitions: error.partitions },
    });
  }
  return error;
}

function incomplete(outcome: MoveOutcome, topic: string, groupId: string): HttpProblem {
  const notMoved = outcome.partitions.filter((p) => !p.appliedBy).map((p) => p.partition);
  return new HttpProblem({
    status: 503,
    title: 'Service Unavailable',
    detail: `Partition(s) ${notMoved.join(', ')} were not confirmed moved in time (a rebalance, or a replica not reading the control topic); they may or may not have moved. Partitions listed with "appliedBy" did move. Send the same request again.`,
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    extensions: { topic, groupId, notMoved, ...outcome },
  });
}

export function groupRouter({
  group,
  topic,
  groupId,
  onReplay,
}: {
  group: GroupOperations;
  topic: string;
  groupId: string;
  /** Called with the outcome of every replay request that reached Kafka. */
  onReplay?: (outcome: 'moved' | 'incomplete' | 'refused' | 'unavailable') => void;
}): Router {
  const router = Router();
  router.get('/api/topic', async (_req, res) => {
    try {
      res.json(await group.topic());
    } catch (error) {
      throw asProblem(error);
    }
  });
  router.get('/api/consumer/lag', async (_req, res) => {
    try {
      res.json(await group.lag());
    } catch (error) {
      throw asProblem(error);
    }
  });
  router.post(
    '/api/consumer/position',
    express.json({ limit: '16kb' }),
    validateJsonBody(positionBodySchema),
    async (req, res) => {
      const parsed = moveTargetFrom(req.body as PositionBody);
      if ('errors' in parsed) {
        throw problems.badRequest('The request body is not valid.', { errors: parsed.errors });
      }
      let outcome: MoveOutcome;
      try {
        outcome = await group.move(parsed.target);
      } catch (error) {
        const problem = asProblem(error);
        if (problem instanceof HttpProblem) {
          onReplay?.(problem.status === 422 ? 'refused' : 'unavailable');
        }
        throw problem;
      }
      onReplay?.(outcome.complete ? 'moved' : 'incomplete');
      if (!outcome.complete) throw incomplete(outcome, topic, groupId);
      res.json({ topic, groupId, ...outcome });
    },
  );
  router.all(['/api/topic', '/api/consumer/lag'], methodNotAllowed(['GET']));
  router.all('/api/consumer/position', methodNotAllowed(['POST']));
  return router;
}
