// Turns a registered schema into a codec: from payload bytes to the JSON shown on HTTP, and from a
// posted JSON value to payload bytes, with one error per field that does not fit.
// - AVRO: Avro binary; the JSON is Avro's JSON encoding (unions written as {"type": value}), as
//   for the repository's own Avro schemas.
// - PROTOBUF: the message indexes, then Protobuf binary; the JSON is Protobuf's JSON mapping
//   (lowerCamelCase names, 64-bit integers and bytes as strings, enums by name).
// - JSON: JSON text, validated against the JSON Schema; shown as the text it was written as.
// Pure: no I/O. Referenced schemas (Confluent schema references) are passed in by name.
import avro from 'avsc';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import protobuf from 'protobufjs';
import { avroFieldErrors, type FieldError } from '../avro';
import { readMessageIndexes, writeMessageIndexes } from './wire-format';

export const SCHEMA_FORMATS = ['AVRO', 'PROTOBUF', 'JSON'] as const;
export type SchemaFormat = (typeof SCHEMA_FORMATS)[number];

export interface SchemaReference {
  /** The name the schema refers to it by: an Avro full name, a .proto import path, a $ref URL. */
  name: string;
  subject: string;
  version: number;
}

export interface SchemaText {
  format: SchemaFormat;
  schema: string;
  references: readonly SchemaReference[];
}

export interface SchemaCodec {
  format: SchemaFormat;
  /** The Avro record's full name, the Protobuf file's first message, a JSON Schema's title. */
  name: string | undefined;
  /** The payload (the bytes after the schema id) as JSON text, with the type it was read as. */
  decode(payload: Buffer): { json: string; name: string | undefined };
  /** Every field of a JSON value that does not fit (an empty list when it fits). */
  fieldErrors(value: unknown, messageName?: string): FieldError[];
  /** The payload for a value that fits; `json` is the value's text, for formats that keep it. */
  encode(value: unknown, json: string, messageName?: string): Buffer;
}

/** Ajv's errors as one entry per failing field, as JSON Pointers into the value. */
export function fieldErrorsOf(errors: readonly ErrorObject[] | null | undefined): FieldError[] {
  return (errors ?? []).map((error) => {
    const params = error.params as { missingProperty?: string; additionalProperty?: string };
    const child = params.missingProperty ?? params.additionalProperty;
    const pointer =
      child === undefined
        ? error.instancePath
        : `${error.instancePath}/${child.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    let detail = error.message ?? 'is not valid';
    if (params.missingProperty !== undefined) detail = 'is required';
    if (params.additionalProperty !== undefined) detail = 'is not allowed by the schema';
    return { pointer, detail };
  });
}

/** Compiles a schema; `referenced` holds the text of every schema it references, by name. */
export function compileSchema(
  schema: SchemaText,
  referenced: ReadonlyMap<string, SchemaText> = new Map(),
): SchemaCodec {
  switch (schema.format) {
    case 'AVRO':
      return avroCodec(schema, referenced);
    case 'PROTOBUF':
      return protobufCodec(schema, referenced);
    case 'JSON':
      return jsonSchemaCodec(schema, referenced);
  }
}

function avroCodec(schema: SchemaText, referenced: ReadonlyMap<string, SchemaText>): SchemaCodec {
  // Referenced named types are defined first, in a registry the main schema then resolves from.
  const registry: Record<string, avro.Type> = {};
  for (const ref of referenced.values()) {
    avro.Type.forSchema(JSON.parse(ref.schema) as avro.Schema, { wrapUnions: true, registry });
  }
  const type = avro.Type.forSchema(JSON.parse(schema.schema) as avro.Schema, {
    wrapUnions: true,
    registry,
  });
  const name = type.name;
  return {
    format: 'AVRO',
    name,
    decode: (payload) => ({ json: type.toString(type.fromBuffer(payload)), name }),
    fieldErrors: (value) => avroFieldErrors(type, value),
    encode: (value) => type.toBuffer(type.fromString(JSON.stringify(value))),
  };
}

/** The message types of one .proto file, in the order they are declared, nested ones below. */
interface MessageTree {
  type: protobuf.Type;
  nested: MessageTree[];
}

function messagesOf(namespace: protobuf.NamespaceBase): MessageTree[] {
  return namespace.nestedArray
    .filter((item): item is protobuf.Type => item instanceof protobuf.Type)
    .map((type) => ({ type, nested: messagesOf(type) }));
}

function fullName(type: protobuf.Type): string {
  return type.fullName.replace(/^\./, '');
}

function protobufCodec(
  schema: SchemaText,
  referenced: ReadonlyMap<string, SchemaText>,
): SchemaCodec {
  const root = new protobuf.Root();
  const main = protobuf.parse(schema.schema, root, { keepCase: false });
  const fileNamespace = main.package ? root.lookup(main.package) : root;
  if (!(fileNamespace instanceof protobuf.Namespace) && fileNamespace !== root) {
    throw new Error(`package ${main.package} is not a namespace`);
  }
  // Taken before the imports are added: the indexes count the messages of this file only.
  const tree = messagesOf(fileNamespace as protobuf.NamespaceBase);
  const imports = [...(main.imports ?? []), ...(main.weakImports ?? [])];
  const seen = new Set<string>();
  const addImport = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const ref = referenced.get(file);
    if (ref) {
      const parsed = protobuf.parse(ref.schema, root, { keepCase: false });
      for (const next of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
        addImport(next);
      }
      return;
    }
    // google/protobuf/*.proto: protobufjs carries the well-known types itself.
    const common = protobuf.common.get(file);
    if (common) {
      root.addJSON(common.nested ?? {});
      return;
    }
    throw new Error(`the schema imports ${file}, which is not among its references`);
  };
  for (const file of imports) addImport(file);
  root.resolveAll();
  const first = tree[0];
  if (!first) throw new Error('the .proto file declares no message');

  const byIndexes = (indexes: readonly number[]): protobuf.Type => {
    let level = tree;
    let found: MessageTree | undefined;
    for (const index of indexes) {
      found = level[index];
      if (!found) throw new RangeError(`no message at indexes [${indexes.join(', ')}]`);
      level = found.nested;
    }
    if (!found) throw new RangeError('empty message indexes');
    return found.type;
  };
  const indexesOf = (messageName: string | undefined): { type: protobuf.Type; path: number[] } => {
    if (messageName === undefined) return { type: first.type, path: [0] };
    const search = (level: MessageTree[], prefix: number[]): number[] | undefined => {
      for (const [i, item] of level.entries()) {
        if (fullName(item.type) === messageName || item.type.name === messageName) {
          return [...prefix, i];
        }
        const deeper = search(item.nested, [...prefix, i]);
        if (deeper) return deeper;
      }
      return undefined;
    };
    const path = search(tree, []);
    if (!path)
      throw new UnknownMessageError(
        messageName,
        tree.map((t) => fullName(t.type)),
      );
    return { type: byIndexes(path), path };
  };
  const toJsonOptions: protobuf.IConversionOptions = {
    longs: String,
    enums: String,
    bytes: String,
    json: true,
  };
  return {
    format: 'PROTOBUF',
    name: fullName(first.type),
    decode(payload) {
      const { indexes, message } = readMessageIndexes(payload);
      const type = byIndexes(indexes);
      const decoded = type.decode(message);
      return { json: JSON.stringify(type.toObject(decoded, toJsonOptions)), name: fullName(type) };
    },
    fieldErrors(value, messageName) {
      return protobufFieldErrors(indexesOf(messageName).type, value, '');
    },
    encode(value, _json, messageName) {
      const { type, path } = indexesOf(messageName);
      const message = type.fromObject(value as Record<string, unknown>);
      return Buffer.concat([writeMessageIndexes(path), Buffer.from(type.encode(message).finish())]);
    },
  };
}

/** A Protobuf message name the schema does not declare. */
export class UnknownMessageError extends Error {
  constructor(
    readonly messageName: string,
    readonly known: string[],
  ) {
    super(`The schema declares no message ${messageName}; it declares ${known.join(', ')}.`);
    this.name = 'UnknownMessageError';
  }
}

const INTEGER_TYPES = new Set([
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
]);

function protobufScalarError(field: protobuf.Field, value: unknown): string | undefined {
  const type = field.type;
  if (field.resolvedType instanceof protobuf.Enum) {
    const names = Object.keys(field.resolvedType.values);
    if (typeof value === 'string' && names.includes(value)) return undefined;
    if (typeof value === 'number' && Object.values(field.resolvedType.values).includes(value)) {
      return undefined;
    }
    return `must be one of ${names.join(', ')}`;
  }
  if (INTEGER_TYPES.has(type)) {
    const isInteger =
      (typeof value === 'number' && Number.isInteger(value)) ||
      (typeof value === 'string' && /^-?\d+$/.test(value));
    return isInteger ? undefined : 'must be an integer (64-bit ones may be strings)';
  }
  if (type === 'double' || type === 'float') {
    return typeof value === 'number' || ['NaN', 'Infinity', '-Infinity'].includes(String(value))
      ? undefined
      : 'must be a number';
  }
  if (type === 'bool') return typeof value === 'boolean' ? undefined : 'must be true or false';
  if (type === 'string') return typeof value === 'string' ? undefined : 'must be a string';
  if (type === 'bytes') {
    return typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value)
      ? undefined
      : 'must be base64 text';
  }
  return undefined;
}

function protobufFieldErrors(type: protobuf.Type, value: unknown, at: string): FieldError[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ pointer: at, detail: `must be an object (the message ${fullName(type)})` }];
  }
  const errors: FieldError[] = [];
  const byJsonName = new Map<string, protobuf.Field>();
  for (const field of type.fieldsArray) {
    byJsonName.set(field.name, field);
    // Protobuf's JSON mapping accepts the name as written in the .proto file too.
    const original = (field.options?.json_name as string | undefined) ?? undefined;
    if (original) byJsonName.set(original, field);
  }
  for (const [name, item] of Object.entries(value)) {
    const pointer = `${at}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const field = byJsonName.get(name) ?? byJsonName.get(snakeToCamel(name));
    if (!field) {
      errors.push({ pointer, detail: `is not a field of ${fullName(type)}` });
      continue;
    }
    if (item === null) continue;
    const check = (element: unknown, where: string): void => {
      if (field.resolvedType instanceof protobuf.Type) {
        errors.push(...protobufFieldErrors(field.resolvedType, element, where));
        return;
      }
      const detail = protobufScalarError(field, element);
      if (detail) errors.push({ pointer: where, detail });
    };
    if (field.map) {
      if (typeof item !== 'object' || Array.isArray(item)) {
        errors.push({ pointer, detail: 'must be an object (a Protobuf map)' });
      } else {
        for (const [k, v] of Object.entries(item as object)) check(v, `${pointer}/${k}`);
      }
    } else if (field.repeated) {
      if (!Array.isArray(item)) errors.push({ pointer, detail: 'must be an array' });
      else item.forEach((element, i) => check(element, `${pointer}/${i}`));
    } else {
      check(item, pointer);
    }
  }
  return errors;
}

function snakeToCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function ajvFor(schema: unknown): Ajv {
  const dialect = String((schema as { $schema?: unknown })?.$schema ?? '');
  const options = { allErrors: true, strict: false, validateFormats: false };
  if (dialect.includes('2020-12')) return new Ajv2020(options);
  if (dialect.includes('2019-09')) return new Ajv2019(options);
  return new Ajv(options);
}

function jsonSchemaCodec(
  schema: SchemaText,
  referenced: ReadonlyMap<string, SchemaText>,
): SchemaCodec {
  const definition = JSON.parse(schema.schema) as Record<string, unknown>;
  const ajv = ajvFor(definition);
  for (const [name, ref] of referenced) ajv.addSchema(JSON.parse(ref.schema) as object, name);
  const validate: ValidateFunction = ajv.compile(definition);
  const name = typeof definition.title === 'string' ? definition.title : undefined;
  return {
    format: 'JSON',
    name,
    decode(payload) {
      const json = payload.toString('utf8');
      JSON.parse(json); // throws for bytes that are not JSON: the caller shows them raw
      return { json: json.trim(), name };
    },
    fieldErrors(value) {
      return validate(value) ? [] : fieldErrorsOf(validate.errors);
    },
    encode: (_value, json) => Buffer.from(json, 'utf8'),
  };
}
