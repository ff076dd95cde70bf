// Avro schemas kept in the repository (`schemas/avro/*.avsc`), shared by the service that encodes
// and the one that decodes. A record names its schema in headers rather than in its bytes: the
// value is plain Avro binary, as the Avro specification defines it, so any Avro library can read
// it given the schema. The JSON form used on HTTP is Avro's own JSON encoding (unions written as
// `{"string": "..."}`), so what service-b returns can be POSTed to service-a again unchanged.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import avro from 'avsc';

/** Record headers of an Avro value. */
export const AVRO_CONTENT_TYPE = 'application/avro';
export const AVRO_SCHEMA_HEADER = 'avro-schema';
export const AVRO_FINGERPRINT_HEADER = 'avro-schema-fingerprint';

/** Where the repository keeps its schemas, wherever the code runs from (src or dist). */
export const DEFAULT_SCHEMAS_DIR = path.resolve(__dirname, '../../schemas');
export const DEFAULT_AVRO_SCHEMAS_DIR = path.join(DEFAULT_SCHEMAS_DIR, 'avro');

/** One field that does not fit a schema: a JSON Pointer into the value and what is wrong there. */
export interface FieldError {
  pointer: string;
  detail: string;
}

export interface AvroSchema {
  /** Full name, e.g. `example.User`. */
  name: string;
  /** SHA-256 of the schema's Parsing Canonical Form, hex: tells two versions of a name apart. */
  fingerprint: string;
  type: avro.Type;
  /** The schema as JSON, for documentation. */
  definition: unknown;
  /** Where it was read from. */
  file: string;
}

export type AvroDecoded =
  | { ok: true; schema: AvroSchema; json: string }
  | { ok: false; schemaName: string | undefined; reason: string };

function pointerOf(segments: readonly (string | number)[]): string {
  if (segments.length === 0) return '';
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The name a union branch goes by in Avro's JSON encoding (`string`, `example.User`, ...). */
function branchName(type: avro.Type): string {
  return type.branchName ?? type.typeName;
}

/**
 * Every place where a JSON value, in Avro's JSON encoding, does not fit the type. Walks records,
 * unions, arrays and maps so each error names its field; leaves are checked by avsc itself.
 */
export function avroFieldErrors(
  type: avro.Type,
  value: unknown,
  at: (string | number)[] = [],
): FieldError[] {
  const errors: FieldError[] = [];
  const fail = (detail: string, where = at) => errors.push({ pointer: pointerOf(where), detail });
  if (type instanceof avro.types.RecordType) {
    if (!isPlainObject(value)) {
      fail(`must be an object (Avro record ${type.name ?? ''})`.replace(' )', ')'));
      return errors;
    }
    const known = new Set(type.fields.map((f) => f.name));
    for (const field of type.fields) {
      if (!(field.name in value)) {
        if (field.defaultValue() === undefined) fail('is required', [...at, field.name]);
        continue;
      }
      errors.push(...avroFieldErrors(field.type, value[field.name], [...at, field.name]));
    }
    for (const name of Object.keys(value)) {
      if (!known.has(name)) fail(`is not a field of ${type.name ?? 'this record'}`, [...at, name]);
    }
    return errors;
  }
  if (type instanceof avro.types.WrappedUnionType) {
    const names = type.types.map(branchName);
    if (value === null && names.includes('null')) return errors;
    const keys = isPlainObject(value) ? Object.keys(value) : [];
    const branch =
      keys.length === 1 ? type.types.find((t) => branchName(t) === keys[0]) : undefined;
    if (!branch || !isPlainObject(value) || keys[0] === undefined) {
      const choices = names.map((n) => (n === 'null' ? 'null' : `{"${n}": ...}`)).join(', ');
      fail(`must be one of ${choices} (an Avro union)`);
      return errors;
    }
    return avroFieldErrors(branch, value[keys[0]], [...at, keys[0]]);
  }
  if (type instanceof avro.types.ArrayType) {
    if (!Array.isArray(value)) fail('must be an array');
    else
      value.forEach((item, i) => errors.push(...avroFieldErrors(type.itemsType, item, [...at, i])));
    return errors;
  }
  if (type instanceof avro.types.MapType) {
    if (!isPlainObject(value)) fail('must be an object (Avro map)');
    else {
      for (const [name, item] of Object.entries(value)) {
        errors.push(...avroFieldErrors(type.valuesType, item, [...at, name]));
      }
    }
    return errors;
  }
  let fits = false;
  try {
    fits = type.isValid(type.fromString(JSON.stringify(value ?? null)));
  } catch {
    fits = false;
  }
  if (!fits) fail(`must be ${describeLeaf(type)}`);
  return errors;
}

function describeLeaf(type: avro.Type): string {
  if (type instanceof avro.types.EnumType) return `one of ${type.symbols.join(', ')}`;
  if (type instanceof avro.types.FixedType) return `a string of ${type.size} bytes`;
  const names: Record<string, string> = {
    int: 'a 32-bit integer',
    long: 'an integer',
    float: 'a number',
    double: 'a number',
    boolean: 'true or false',
    string: 'a string',
    bytes: 'a string of bytes (code points 0 to 255)',
    null: 'null',
  };
  return names[type.typeName] ?? `an Avro ${type.typeName}`;
}

/** The Avro schemas of a folder, by full name (and by short name where that is unambiguous). */
export class AvroSchemaRegistry {
  private readonly byName = new Map<string, AvroSchema>();
  private readonly shortNames = new Map<string, AvroSchema[]>();

  constructor(readonly schemas: readonly AvroSchema[]) {
    for (const schema of schemas) {
      if (this.byName.has(schema.name)) {
        throw new Error(
          `Avro schema ${schema.name} is defined twice (${this.byName.get(schema.name)?.file} and ${schema.file})`,
        );
      }
      this.byName.set(schema.name, schema);
      const short = schema.name.split('.').pop() ?? schema.name;
      this.shortNames.set(short, [...(this.shortNames.get(short) ?? []), schema]);
    }
  }

  /** Reads every `*.avsc` of a folder (the repository's by default); a missing folder is empty. */
  static fromDirectory(dir: string = DEFAULT_AVRO_SCHEMAS_DIR): AvroSchemaRegistry {
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.avsc'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new AvroSchemaRegistry([]);
      throw error;
    }
    return new AvroSchemaRegistry(
      files.sort().map((file) => parseAvroSchema(readFileSync(path.join(dir, file), 'utf8'), file)),
    );
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** By full name, or by short name when only one schema has it. */
  find(name: string): AvroSchema | undefined {
    const exact = this.byName.get(name);
    if (exact) return exact;
    const candidates = this.shortNames.get(name);
    return candidates?.length === 1 ? candidates[0] : undefined;
  }

  /**
   * Reads a record value written with the schema its headers name. Gives a reason instead when
   * the schema is unknown here, its fingerprint differs (another version), or the bytes do not
   * decode: the caller then delivers the raw bytes and says why.
   */
  decode(
    value: Buffer,
    schemaName: string | undefined,
    fingerprint: string | undefined,
  ): AvroDecoded {
    if (!schemaName) {
      return { ok: false, schemaName, reason: `The record has no ${AVRO_SCHEMA_HEADER} header.` };
    }
    const schema = this.byName.get(schemaName);
    if (!schema) {
      return {
        ok: false,
        schemaName,
        reason: `The Avro schema ${schemaName} is not known to this service; the value is the raw Avro binary, base64.`,
      };
    }
    if (fingerprint && fingerprint !== schema.fingerprint) {
      return {
        ok: false,
        schemaName,
        reason: `The record was written with another version of ${schemaName} (fingerprint ${fingerprint}, known ${schema.fingerprint}); the value is the raw Avro binary, base64.`,
      };
    }
    try {
      return { ok: true, schema, json: schema.type.toString(schema.type.fromBuffer(value)) };
    } catch {
      return {
        ok: false,
        schemaName,
        reason: `The value does not decode with ${schemaName}; it is the raw bytes, base64.`,
      };
    }
  }
}

export function parseAvroSchema(text: string, file: string): AvroSchema {
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`);
  }
  let type: avro.Type;
  try {
    type = avro.Type.forSchema(definition as avro.Schema, { wrapUnions: true });
  } catch (error) {
    throw new Error(`${file} is not an Avro schema: ${(error as Error).message}`);
  }
  if (!type.name) throw new Error(`${file}: the top-level Avro type must be named (a record)`);
  return {
    name: type.name,
    fingerprint: type.fingerprint('sha256').toString('hex'),
    type,
    definition,
    file,
  };
}
