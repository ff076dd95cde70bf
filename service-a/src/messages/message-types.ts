// Message types: JSON Schemas kept in a folder (`schemas/json/<type>.schema.json`). A POST that
// names a type (`?type=order`), or any POST when the topic is bound to a type, is produced only if
// its value satisfies the schema; otherwise the answer lists every failing field.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { fieldErrorsOf, HttpProblem, type FieldError } from '@kafka-http/common';

/** The record header naming the type a value was validated against. */
export const MESSAGE_TYPE_HEADER = 'message-type';
export const TYPE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface MessageType {
  name: string;
  schema: Record<string, unknown>;
  validate: ValidateFunction;
  file: string;
}

function typeNameOf(file: string): string {
  return file.replace(/\.schema\.json$|\.json$/, '');
}

export { fieldErrorsOf };

/** The 422 answer for a value that does not fit its type or schema. */
export function invalidValue(what: string, errors: readonly FieldError[]): HttpProblem {
  const count = errors.length === 1 ? '1 field' : `${errors.length} fields`;
  return new HttpProblem({
    status: 422,
    title: 'Unprocessable Content',
    detail: `The message does not match ${what}: ${count} failed. Nothing was produced.`,
    extensions: { errors },
  });
}

export class MessageTypes {
  private readonly byName: Map<string, MessageType>;

  constructor(types: readonly MessageType[]) {
    this.byName = new Map(types.map((t) => [t.name, t]));
  }

  /** Compiles every `*.json` schema of a folder; a missing folder means no types. */
  static fromDirectory(dir: string): MessageTypes {
    let files: string[];
    try {
      files = readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new MessageTypes([]);
      throw error;
    }
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    return new MessageTypes(
      files.map((file) => {
        const name = typeNameOf(file);
        if (!TYPE_NAME.test(name)) {
          throw new Error(`${file}: a type name is lower-case letters, digits, ".", "_" or "-"`);
        }
        let schema: Record<string, unknown>;
        try {
          schema = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<
            string,
            unknown
          >;
        } catch (error) {
          throw new Error(`${file} is not JSON: ${(error as Error).message}`);
        }
        try {
          return { name, schema, validate: ajv.compile(schema), file };
        } catch (error) {
          throw new Error(`${file} is not a valid JSON Schema: ${(error as Error).message}`);
        }
      }),
    );
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  get all(): MessageType[] {
    return [...this.byName.values()];
  }

  get(name: string): MessageType | undefined {
    return this.byName.get(name);
  }

  /** Throws 422 with each failing field when the value does not satisfy the type. */
  check(name: string, value: unknown): void {
    const type = this.byName.get(name);
    if (!type) throw new Error(`unknown message type ${name}`);
    if (!type.validate(value)) {
      throw invalidValue(`the message type ${name}`, fieldErrorsOf(type.validate.errors));
    }
  }
}
