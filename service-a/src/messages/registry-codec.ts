// Encodes a POST body with a schema from the schema registry, in the Confluent wire format (a 0
// byte, the schema id, the payload) that every registry-aware consumer reads:
//   Content-Type: application/vnd.schemaregistry+json; subject=orders-value[; version=3]
//                 [; message=shop.Order] (Protobuf: which message of the file; the first by default)
//                 [; schema=example.User] (with SCHEMA_REGISTRY_AUTO_REGISTER: the repository's
//                 Avro schema to register when the subject has no version yet)
// The body is the value as JSON: Avro's JSON encoding, Protobuf's JSON mapping, or the JSON a
// JSON Schema describes. 415 for a subject or version the registry does not have, 422 listing each
// field that does not fit, 503 while the registry cannot be asked.
import {
  frame,
  HttpProblem,
  problems,
  RegistryError,
  UnknownMessageError,
  type AvroSchemaRegistry,
  type SchemaResolver,
  type SubjectSchema,
} from '@kafka-http/common';
import {
  checkMessageType,
  compactJson,
  parseJsonBody,
  type EncodedValue,
  type EncodeOptions,
} from './message-codec';
import { invalidValue } from './message-types';

export const REGISTRY_CONTENT_TYPES = [
  'application/vnd.schemaregistry+json',
  'application/vnd.schemaregistry.v1+json',
] as const;

/** The record's content-type header: says the value is framed, and in which format. */
export function framedContentType(format: string): string {
  return `application/vnd.schemaregistry.v1+${format.toLowerCase()}`;
}

export interface RegistryEncodeOptions {
  schemas: SchemaResolver | undefined;
  /** Register the repository's Avro schema named by `schema=` when the subject has none. */
  autoRegister: boolean;
  avro?: AvroSchemaRegistry;
}

export interface RegistryParameters {
  subject?: string;
  version?: string;
  message?: string;
  schema?: string;
}

const RETRY_AFTER_S = 5;

function registryProblem(error: unknown, subject: string): Error {
  if (!(error instanceof RegistryError)) return error as Error;
  if (error.kind === 'not-found') {
    return problems.unsupportedMediaType(
      `The schema registry has no ${error.errorCode === 40402 ? 'such version of' : 'subject'} ${subject}; register its schema first, or name another subject.`,
    );
  }
  if (error.kind === 'invalid') {
    return problems.unsupportedMediaType(
      `The schema registry refused the lookup of ${subject}: ${error.message}.`,
    );
  }
  return problems.serviceUnavailable(
    `The schema registry cannot be asked for ${subject} (${error.message}); nothing was produced. Try again shortly.`,
    RETRY_AFTER_S,
  );
}

async function lookUp(
  params: RegistryParameters & { subject: string },
  options: RegistryEncodeOptions & { schemas: SchemaResolver },
): Promise<SubjectSchema> {
  const version =
    params.version === undefined || params.version === 'latest' ? 'latest' : Number(params.version);
  if (version !== 'latest' && (!Number.isSafeInteger(version) || version < 1)) {
    throw problems.unsupportedMediaType(
      `version=${params.version} is not a version: use a number from 1, or latest.`,
    );
  }
  try {
    return await options.schemas.subjectSchema(params.subject, version);
  } catch (error) {
    const canRegister =
      options.autoRegister &&
      version === 'latest' &&
      params.schema !== undefined &&
      error instanceof RegistryError &&
      error.kind === 'not-found';
    if (!canRegister) throw registryProblem(error, params.subject);
  }
  const local = options.avro?.find(params.schema ?? '');
  if (!local) {
    throw problems.unsupportedMediaType(
      `The subject ${params.subject} has no schema yet, and there is no Avro schema ${params.schema} to register (known: ${options.avro?.names.join(', ') || 'none'}).`,
    );
  }
  try {
    await options.schemas.register(params.subject, {
      format: 'AVRO',
      schema: JSON.stringify(local.definition),
      references: [],
    });
    return await options.schemas.subjectSchema(params.subject, 'latest');
  } catch (error) {
    throw registryProblem(error, params.subject);
  }
}

/** The schema a request names, from the registry (or its cache); an HttpProblem when it cannot be had. */
export async function resolveSubject(
  params: RegistryParameters,
  options: RegistryEncodeOptions,
): Promise<SubjectSchema> {
  const { schemas } = options;
  if (!schemas) {
    throw problems.unsupportedMediaType(
      'No schema registry is configured here (SCHEMA_REGISTRY_URL); send application/json, text/plain, application/octet-stream or application/avro+json.',
    );
  }
  const { subject } = params;
  if (!subject) {
    throw problems.unsupportedMediaType(
      `Name the subject: ${REGISTRY_CONTENT_TYPES[0]}; subject=<subject>, e.g. subject=message-topic-value.`,
    );
  }
  return lookUp({ ...params, subject }, { ...options, schemas });
}

/** A JSON value encoded with a subject's schema and framed with its id; 422 per field that does not fit. */
export function encodeFramed(
  schema: SubjectSchema,
  value: unknown,
  jsonText: string,
  messageName?: string,
): { value: Buffer; contentType: string } {
  const what = `the schema of ${schema.subject} version ${schema.version} (id ${schema.id}, ${schema.codec.format})`;
  let payload: Buffer;
  try {
    const errors = schema.codec.fieldErrors(value, messageName);
    if (errors.length > 0) throw invalidValue(what, errors);
    payload = schema.codec.encode(value, jsonText, messageName);
  } catch (error) {
    if (error instanceof UnknownMessageError) throw problems.unsupportedMediaType(error.message);
    if (error instanceof HttpProblem) throw error;
    // The codec refused what the field check let through (e.g. an integer out of range).
    throw invalidValue(what, [{ pointer: '', detail: (error as Error).message }]);
  }
  return { value: frame(schema.id, payload), contentType: framedContentType(schema.codec.format) };
}

/**
 * The whole POST body as a registry-encoded record value; a topic bound to a message type holds
 * to it whatever the encoding.
 */
export async function encodeRegistryBody(
  body: Buffer | undefined,
  params: RegistryParameters,
  options: RegistryEncodeOptions,
  typeOptions: EncodeOptions = {},
): Promise<EncodedValue> {
  const { text, parsed } = parseJsonBody(body);
  const headers = checkMessageType(parsed, typeOptions);
  const compact = compactJson(text.trim());
  const schema = await resolveSubject(params, options);
  const encoded = encodeFramed(schema, parsed, compact, params.message);
  return { value: encoded.value, contentType: encoded.contentType, text: compact, headers };
}
