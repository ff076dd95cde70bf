// GET /api/topic, GET /api/consumer/lag and POST /api/consumer/position (replay): the topic's
// partitions and offsets, how far the group is behind, and moving the group's position.
import express, { Router } from 'express';
import {
  HttpProblem,
  methodNotAllowed,
  problemResponse,
  problems,
  validateJsonBody,
  type ApiDocPart,
} from '@kafka-http/common';
import { UnknownPartitionError, type MoveTarget } from '../kafka/group-offsets';
import type { GroupOperations, MoveOutcome } from '../kafka/group-position';
import { KafkaUnavailableError } from '../kafka/shared-admin';

/** Seconds a client should wait before asking again after a 503. */
export const RETRY_AFTER_SECONDS = 5;

/** A position request is a few short members. */
const MAX_POSITION_BODY = '16kb';

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
    express.json({ limit: MAX_POSITION_BODY }),
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

// The routes' part of the OpenAPI document.

const { example: positionExample, ...positionSchema } = positionBodySchema;

const unavailable = problemResponse(
  'Kafka could not be asked (unreachable, or no answer within KAFKA_ADMIN_TIMEOUT_MS). Comes with `Retry-After`.',
);

const offsetsSchema = {
  earliest: { type: 'string', description: 'The first offset still in the log.', example: '0' },
  latest: {
    type: 'string',
    description: 'The end of the log: the offset the next record will get.',
    example: '120',
  },
} as const;

/** An answer naming the topic (and more) with one object per partition. */
function perPartitionView(
  topLevel: Record<string, unknown>,
  partition: Record<string, unknown>,
): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      topic: { type: 'string' },
      ...topLevel,
      partitions: {
        type: 'array',
        items: { type: 'object', properties: { partition: { type: 'integer' }, ...partition } },
      },
    },
  };
}

export function groupApiDocs({ topic, groupId }: { topic: string; groupId: string }): ApiDocPart {
  return {
    paths: {
      '/api/topic': {
        get: {
          tags: ['consumer group'],
          summary: 'The topic: partitions, leaders, replicas and offsets',
          responses: {
            '200': {
              description: "Every partition, from Kafka's admin API.",
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/TopicView' },
                  example: {
                    topic,
                    partitions: [
                      {
                        partition: 0,
                        leader: 1,
                        replicas: [1],
                        isr: [1],
                        offlineReplicas: [],
                        earliest: '0',
                        latest: '120',
                        records: '120',
                      },
                    ],
                  },
                },
              },
            },
            '503': unavailable,
          },
        },
      },
      '/api/consumer/lag': {
        get: {
          tags: ['consumer group'],
          summary: 'How far the group is behind, per partition',
          description:
            "The group's committed offset (the next to deliver) against the end of each partition. Without a commit, everything from the earliest offset counts as lag (the group starts at the beginning).",
          responses: {
            '200': {
              description: 'Lag per partition and in total.',
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/LagView' },
                  example: {
                    topic,
                    groupId,
                    partitions: [
                      { partition: 0, committed: '100', earliest: '0', latest: '120', lag: '20' },
                    ],
                    totalLag: '20',
                  },
                },
              },
            },
            '503': unavailable,
          },
        },
      },
      '/api/consumer/position': {
        post: {
          tags: ['consumer group'],
          summary: "Move the group's position (replay or skip)",
          description: `Moves consumer group \`${groupId}\` to the beginning, the end, an offset, or the first record at or after a timestamp, for one partition or all, whichever replica of the group is asked. Messages of the affected partitions that are buffered, being sent or awaiting a manual ack are dropped (acking them later commits nothing), delivery continues from the new position, and the new position is committed before the answer, so a restart keeps it. The answer lists each partition with its previous committed offset (\`from\`), the new one (\`to\`) and the replica that moved it (\`appliedBy\`).`,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: positionSchema,
                examples: {
                  beginning: {
                    summary: 'Replay everything, every partition',
                    value: { to: 'beginning' },
                  },
                  end: {
                    summary: 'Skip the backlog of partition 0',
                    value: { to: 'end', partition: 0 },
                  },
                  offset: {
                    summary: 'Partition 0 from offset 42',
                    value: { to: 'offset', offset: '42', partition: 0 },
                  },
                  timestamp: { summary: 'Everything since a moment', value: positionExample },
                  epochMs: {
                    summary: 'A moment as epoch milliseconds',
                    value: { to: 'timestamp', timestamp: 1795456800000 },
                  },
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'Every affected partition was moved and its new position committed.',
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/MoveOutcome' },
                  example: {
                    topic,
                    groupId,
                    complete: true,
                    method: 'group',
                    partitions: [
                      {
                        partition: 0,
                        from: '120',
                        to: '0',
                        appliedBy: { instance: 'b-3f9c1a', memberId: 'service-b-6a1f...' },
                      },
                    ],
                  },
                },
              },
            },
            '400': problemResponse(
              'The body is not valid (the `errors` member lists why): an unknown `to`, a missing or superfluous `offset` / `timestamp`, a timestamp that is neither ISO 8601 with a zone nor epoch milliseconds.',
            ),
            '413': problemResponse(`The body is larger than ${MAX_POSITION_BODY}.`),
            '415': problemResponse('The body is not application/json.'),
            '422': problemResponse('The topic has no such partition.'),
            '503': problemResponse(
              'Kafka could not be asked, this replica is not yet reading the control topic, or some partitions were not confirmed moved before REPLAY_TIMEOUT_MS (a rebalance): the problem lists `partitions` (with `appliedBy` for those that did move) and `notMoved`, which may or may not have moved. Send the same request again after `Retry-After`.',
            ),
          },
        },
      },
    },
    schemas: {
      TopicView: perPartitionView(
        {},
        {
          leader: { type: 'integer', description: 'Node id of the leader broker.' },
          replicas: { type: 'array', items: { type: 'integer' } },
          isr: { type: 'array', items: { type: 'integer' }, description: 'In-sync replicas.' },
          offlineReplicas: { type: 'array', items: { type: 'integer' } },
          ...offsetsSchema,
          records: {
            type: 'string',
            description: 'latest minus earliest (fewer with compaction).',
          },
        },
      ),
      LagView: perPartitionView(
        { groupId: { type: 'string' }, totalLag: { type: 'string' } },
        {
          committed: {
            type: 'string',
            nullable: true,
            description: 'The committed offset (next to deliver); null without a commit.',
          },
          ...offsetsSchema,
          lag: { type: 'string', description: 'Records not yet committed.' },
          blocked: {
            type: 'object',
            description:
              'Present when the instance answering holds this partition at a record batch it cannot decode: move it past `batchLastOffset` with POST /api/consumer/position.',
            properties: {
              offset: { type: 'string' },
              batchLastOffset: { type: 'string' },
              codec: { type: 'string' },
              reason: { type: 'string' },
            },
          },
        },
      ),
      MoveOutcome: {
        type: 'object',
        properties: {
          topic: { type: 'string' },
          groupId: { type: 'string' },
          complete: { type: 'boolean' },
          method: {
            type: 'string',
            enum: ['group', 'admin'],
            description:
              '`group`: moved by the replicas owning the partitions; `admin`: the group had no active member and its offsets were set directly.',
          },
          partitions: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                partition: { type: 'integer' },
                from: {
                  type: 'string',
                  nullable: true,
                  description: 'The committed offset before the move; null without one.',
                },
                to: {
                  type: 'string',
                  description: 'The new position: the next offset delivered.',
                },
                clamped: {
                  type: 'object',
                  description:
                    'Set when the requested offset lay outside [earliest, latest] and the nearest end was used.',
                  properties: {
                    requested: { type: 'string' },
                    reason: { type: 'string', enum: ['before-earliest', 'after-latest'] },
                  },
                },
                appliedBy: {
                  type: 'object',
                  nullable: true,
                  properties: {
                    instance: {
                      type: 'string',
                      description: 'The service-b instance id (or `admin`).',
                    },
                    memberId: { type: 'string', nullable: true },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}
