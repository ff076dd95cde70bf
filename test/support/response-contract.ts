// Checks an HTTP response against the service's OpenAPI document: its status is one the
// operation documents, its content type one that status documents, and a JSON body satisfies the
// schema given for it. Requests to paths or methods the document does not list (404s for unknown
// paths, 405s, Swagger UI's files) are not the document's to judge and are left alone.
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export interface ObservedResponse {
  method: string;
  /** The request target, query included or not. */
  url: string;
  status: number;
  contentType: string | undefined;
  /** The body, when it was kept (JSON bodies); undefined when it was not. */
  body: Buffer | undefined;
}

interface MediaSpec {
  schema?: unknown;
}
interface ResponseSpec {
  content?: Record<string, MediaSpec>;
}
interface OperationSpec {
  responses: Record<string, ResponseSpec>;
}
interface Document {
  paths: Record<string, Record<string, OperationSpec>>;
  components?: { schemas?: Record<string, unknown> };
}

const SCHEMA_REF = '#/components/schemas/';
/** Bodies without content: 204 and 205 carry none, 304 none either; HEAD answers have none. */
const BODILESS = new Set([204, 205, 304]);

/** A JSON media type: application/json, application/problem+json and any other +json. */
export function isJsonMediaType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

/** The media type alone, lower case: `application/json` of `application/json; charset=utf-8`. */
export function mediaTypeOf(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

export class ResponseContract {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<unknown, ValidateFunction>();
  private readonly routes: { pattern: RegExp; operations: Record<string, OperationSpec> }[];

  constructor(private readonly document: Document) {
    addFormats(this.ajv);
    // OpenAPI's own formats for strings that are not text.
    this.ajv.addFormat('binary', true);
    this.ajv.addFormat('byte', true);
    this.routes = Object.entries(document.paths).map(([path, operations]) => ({
      pattern: new RegExp(
        `^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`,
      ),
      operations,
    }));
  }

  /** What is wrong with the response by the document; empty when nothing is. */
  check(response: ObservedResponse): string[] {
    const path = response.url.split('?')[0] ?? '';
    const operation = this.routes.find((route) => route.pattern.test(path))?.operations[
      response.method.toLowerCase()
    ];
    if (!operation) return [];
    const where = `${response.method} ${path} answered ${response.status}`;
    const spec = operation.responses[String(response.status)] ?? operation.responses.default;
    if (!spec) {
      const documented = Object.keys(operation.responses).join(', ');
      return [`${where}, a status the document does not give (it gives ${documented})`];
    }
    if (BODILESS.has(response.status) || response.method === 'HEAD') return [];
    if (!spec.content) return [];
    if (response.contentType === undefined) return [`${where} without a Content-Type`];
    const type = mediaTypeOf(response.contentType);
    const media = Object.entries(spec.content).find(([name]) => mediaTypeOf(name) === type)?.[1];
    if (!media) {
      const documented = Object.keys(spec.content).join(', ');
      return [`${where} with ${type}, which the document does not give (it gives ${documented})`];
    }
    if (!isJsonMediaType(type) || media.schema === undefined || response.body === undefined) {
      return [];
    }
    let body: unknown;
    try {
      body = JSON.parse(response.body.toString('utf8'));
    } catch {
      return [
        `${where} with a body that is not JSON: ${response.body.subarray(0, 200).toString()}`,
      ];
    }
    const validate = this.validatorFor(media.schema);
    if (validate(body)) return [];
    const reasons = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    const shown = reasons.slice(0, 5).join('; ');
    const more = reasons.length > 5 ? ` (and ${reasons.length - 5} more)` : '';
    return [`${where} with a body the schema refuses: ${shown}${more}`];
  }

  private validatorFor(schema: unknown): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(this.inlined(schema) as object);
      this.compiled.set(schema, validate);
    }
    return validate;
  }

  /** The schema with every `#/components/schemas/...` reference replaced by what it names. */
  private inlined(schema: unknown, seen: string[] = []): unknown {
    if (Array.isArray(schema)) return schema.map((item) => this.inlined(item, seen));
    if (!schema || typeof schema !== 'object') return schema;
    const { $ref, ...rest } = schema as Record<string, unknown>;
    if (typeof $ref === 'string' && $ref.startsWith(SCHEMA_REF)) {
      const name = $ref.slice(SCHEMA_REF.length);
      if (seen.includes(name)) throw new Error(`The schema ${name} refers to itself`);
      const target = this.document.components?.schemas?.[name];
      if (target === undefined) throw new Error(`No schema ${name} in the document`);
      return this.inlined(target, [...seen, name]);
    }
    return Object.fromEntries(
      Object.entries(rest).map(([key, value]) => [key, this.inlined(value, seen)]),
    );
  }
}
