// A client of the Confluent Schema Registry REST API (also served by Apicurio's `ccompat` API,
// Karapace and Redpanda): the few calls the services need, each with a deadline, basic auth and
// TLS. Errors say whether the registry does not know something (not-found), refuses us (refused:
// 401/403) or cannot be reached (unavailable), so callers can tell a client's mistake from an
// outage.
import http from 'node:http';
import https from 'node:https';
import {
  SCHEMA_FORMATS,
  type SchemaFormat,
  type SchemaReference,
  type SchemaText,
} from './schema-codecs';

export type RegistryErrorKind = 'not-found' | 'refused' | 'unavailable' | 'invalid';

export class RegistryError extends Error {
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    readonly status?: number,
    /** The registry's own code, e.g. 40401 subject not found, 40403 schema not found. */
    readonly errorCode?: number,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface RegistryClientOptions {
  /** The registry's base URL, e.g. http://localhost:8081 or https://host/apis/ccompat/v7. */
  url: string;
  username?: string;
  password?: string;
  /** PEM text of the CA that signed the registry's certificate (else the system's CAs). */
  ca?: string;
  rejectUnauthorized?: boolean;
  /** Deadline of each request. */
  timeoutMs: number;
}

export interface RegisteredSchema extends SchemaText {
  id: number;
  subject: string;
  version: number;
}

export interface SubjectVersion {
  subject: string;
  version: number;
}

const MEDIA_TYPE = 'application/vnd.schemaregistry.v1+json';

function formatOf(schemaType: unknown): SchemaFormat {
  if (schemaType === undefined || schemaType === null) return 'AVRO';
  if ((SCHEMA_FORMATS as readonly unknown[]).includes(schemaType))
    return schemaType as SchemaFormat;
  throw new RegistryError(
    'invalid',
    `the registry names an unknown schema type ${String(schemaType)}`,
  );
}

function referencesOf(value: unknown): SchemaReference[] {
  if (!Array.isArray(value)) return [];
  return value.map((ref: Partial<SchemaReference>) => ({
    name: String(ref.name),
    subject: String(ref.subject),
    version: Number(ref.version),
  }));
}

export class SchemaRegistryClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly authorization: string | undefined;

  constructor(private readonly options: RegistryClientOptions) {
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ca: options.ca || undefined,
            rejectUnauthorized: options.rejectUnauthorized ?? true,
          })
        : new http.Agent({ keepAlive: true });
    this.authorization = options.username
      ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`
      : undefined;
  }

  /** The registry's address without credentials, for logs and errors. */
  get url(): string {
    return `${this.base.origin}${this.base.pathname}`.replace(/\/$/, '');
  }

  async schemaById(id: number): Promise<SchemaText> {
    const body = (await this.call('GET', `schemas/ids/${id}`)) as Record<string, unknown>;
    if (typeof body?.schema !== 'string') {
      throw new RegistryError('invalid', `the registry's answer for schema ${id} has no schema`);
    }
    return {
      format: formatOf(body.schemaType),
      schema: body.schema,
      references: referencesOf(body.references),
    };
  }

  /** The subjects and versions a schema id is registered under. */
  async versionsOfId(id: number): Promise<SubjectVersion[]> {
    const body = await this.call('GET', `schemas/ids/${id}/versions`);
    if (!Array.isArray(body)) return [];
    return body.map((item: Partial<SubjectVersion>) => ({
      subject: String(item.subject),
      version: Number(item.version),
    }));
  }

  async subjectVersion(subject: string, version: number | 'latest'): Promise<RegisteredSchema> {
    const body = (await this.call(
      'GET',
      `subjects/${encodeURIComponent(subject)}/versions/${version}`,
    )) as Record<string, unknown>;
    if (typeof body?.schema !== 'string' || typeof body.id !== 'number') {
      throw new RegistryError('invalid', `the registry's answer for ${subject} has no schema`);
    }
    return {
      id: body.id,
      subject,
      version: Number(body.version),
      format: formatOf(body.schemaType),
      schema: body.schema,
      references: referencesOf(body.references),
    };
  }

  /** Registers a schema under a subject (the registry answers the existing id when it has it). */
  async register(subject: string, schema: SchemaText): Promise<number> {
    const body = (await this.call('POST', `subjects/${encodeURIComponent(subject)}/versions`, {
      schema: schema.schema,
      ...(schema.format === 'AVRO' ? {} : { schemaType: schema.format }),
      ...(schema.references.length > 0 ? { references: schema.references } : {}),
    })) as { id?: unknown };
    if (typeof body?.id !== 'number') {
      throw new RegistryError('invalid', `the registry did not answer an id for ${subject}`);
    }
    return body.id;
  }

  close(): void {
    this.agent.destroy();
  }

  private call(method: 'GET' | 'POST', path: string, payload?: unknown): Promise<unknown> {
    const url = new URL(path, this.base);
    const data = payload === undefined ? undefined : Buffer.from(JSON.stringify(payload));
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            accept: `${MEDIA_TYPE}, application/json`,
            ...(this.authorization ? { authorization: this.authorization } : {}),
            ...(data ? { 'content-type': MEDIA_TYPE, 'content-length': data.length } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) => reject(this.unavailable(error)));
          response.on('end', () => {
            clearTimeout(deadline);
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown;
            try {
              body = text === '' ? undefined : JSON.parse(text);
            } catch {
              body = undefined;
            }
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(body);
            const { error_code: errorCode, message } = (body ?? {}) as {
              error_code?: number;
              message?: string;
            };
            const said = message ? `: ${message}` : '';
            if (status === 404) {
              return reject(new RegistryError('not-found', `not found${said}`, status, errorCode));
            }
            if (status === 401 || status === 403) {
              return reject(
                new RegistryError(
                  'refused',
                  `the registry refused the credentials (${status})${said}`,
                  status,
                  errorCode,
                ),
              );
            }
            if (status >= 400 && status < 500) {
              return reject(
                new RegistryError(
                  'invalid',
                  `the registry answered ${status}${said}`,
                  status,
                  errorCode,
                ),
              );
            }
            reject(
              new RegistryError(
                'unavailable',
                `the registry answered ${status}${said}`,
                status,
                errorCode,
              ),
            );
          });
        },
      );
      // One deadline for the whole exchange (a socket timeout would restart with every byte).
      const deadline = setTimeout(
        () => request.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
      request.on('error', (error) => {
        clearTimeout(deadline);
        reject(this.unavailable(error));
      });
      request.end(data);
    });
  }

  private unavailable(error: Error): RegistryError {
    return new RegistryError(
      'unavailable',
      `the registry at ${this.url} is unreachable (${error.message})`,
    );
  }
}
