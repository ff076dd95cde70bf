// What the OpenAPI document says about the registered message types and Avro schemas: one
// component schema and one example per type, and one request content type per Avro schema.
import { AVRO_JSON_CONTENT_TYPE, type MessageFormats } from './message-codec';

/** JSON Schema 2020-12 keywords OpenAPI 3.0 does not take, and what they become. */
function forOpenApi30(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _schema, $id: _id, examples, ...rest } = schema;
  return Array.isArray(examples) && examples.length > 0 ? { ...rest, example: examples[0] } : rest;
}

export function typeComponentName(type: string): string {
  return `MessageType-${type}`;
}

function firstExample(definition: unknown): unknown {
  const { example, examples } = definition as { example?: unknown; examples?: unknown[] };
  return example ?? examples?.[0];
}

export interface FormatDocs {
  /** Components, one per message type. */
  schemas: Record<string, unknown>;
  /** Examples of application/json bodies, one per message type. */
  jsonExamples: Record<string, { summary: string; value: unknown }>;
  /** Request content types, one per Avro schema. */
  avroContent: Record<string, unknown>;
  /** Markdown listing what is registered, for descriptions. */
  summary: string;
}

export function formatDocs({ types, avro }: MessageFormats, topicType?: string): FormatDocs {
  const schemas: Record<string, unknown> = {};
  const jsonExamples: FormatDocs['jsonExamples'] = {};
  for (const type of types.all) {
    schemas[typeComponentName(type.name)] = forOpenApi30(type.schema);
    const example = firstExample(type.schema);
    if (example !== undefined) {
      jsonExamples[`type-${type.name}`] = {
        summary: `A valid ${type.name} (send with ?type=${type.name})`,
        value: example,
      };
    }
  }
  const avroContent: Record<string, unknown> = {};
  for (const schema of avro.schemas) {
    avroContent[`${AVRO_JSON_CONTENT_TYPE}; schema=${schema.name}`] = {
      schema: { type: 'object', description: `Avro schema ${schema.name} (${schema.file}).` },
      example: firstExample(schema.definition),
    };
  }
  const typeList = types.all
    .map((t) => `\`${t.name}\` (schema \`${typeComponentName(t.name)}\`)`)
    .join(', ');
  const avroList = avro.schemas.map((s) => `\`${s.name}\``).join(', ');
  const summary = [
    `Message types (\`?type=\`): ${typeList || 'none registered'}.`,
    topicType ? ` This topic accepts only \`${topicType}\` values.` : '',
    ` Avro schemas (\`Content-Type: ${AVRO_JSON_CONTENT_TYPE}; schema=<name>\`, the value in Avro's JSON encoding): ${avroList || 'none registered'}.`,
  ].join('');
  return { schemas, jsonExamples, avroContent, summary };
}
