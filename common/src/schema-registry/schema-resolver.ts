// Schemas from a registry, kept once fetched. A schema id never changes its schema, so what was
// fetched by id is kept for the life of the process: a registry outage does not stop the
// decoding of schemas already seen. Failed lookups are remembered briefly, so an unknown id or a
// dead registry costs one lookup per interval, not one per record, and a consumer never waits on
// a registry it just found unreachable.
import {
  compileSchema,
  type SchemaCodec,
  type SchemaFormat,
  type SchemaText,
} from './schema-codecs';
import {
  RegistryError,
  type RegisteredSchema,
  type SchemaRegistryClient,
  type SubjectVersion,
} from './registry-client';
import { framedSchemaId, unframe } from './wire-format';

export type LookupOutcome = 'hit' | 'miss' | 'error';

export interface ResolverOptions {
  client: SchemaRegistryClient;
  /** How long "latest" of a subject is trusted before it is asked again. */
  latestTtlMs?: number;
  /** How long a failed lookup is remembered (an unknown id, an unreachable registry). */
  failureTtlMs?: number;
  /** Called for every lookup: served from the cache, fetched, or failed. */
  onLookup?: (outcome: LookupOutcome) => void;
  now?: () => number;
}

/** Where a decoded record's schema is registered. */
export interface RegistryInfo {
  id: number;
  format: SchemaFormat;
  subject?: string;
  version?: number;
}

export type FramedDecoded =
  | { ok: true; json: string; name: string | undefined; registry: RegistryInfo }
  | { ok: false; schemaId: number; reason: string };

interface KnownSchema {
  ok: true;
  codec: SchemaCodec;
  versions: SubjectVersion[];
}
interface FailedLookup {
  ok: false;
  reason: string;
  until: number;
}

export interface SubjectSchema {
  id: number;
  subject: string;
  version: number;
  codec: SchemaCodec;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class SchemaResolver {
  private readonly byId = new Map<number, KnownSchema | FailedLookup>();
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly latest = new Map<string, { schema: SubjectSchema; until: number }>();
  private readonly versions = new Map<string, SubjectSchema>();
  private unreachableUntil = 0;
  private readonly latestTtlMs: number;
  private readonly failureTtlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ResolverOptions) {
    this.latestTtlMs = options.latestTtlMs ?? 30_000;
    this.failureTtlMs = options.failureTtlMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get url(): string {
    return this.options.client.url;
  }

  /** The schema ids of framed keys and values that are not known yet (or whose failure expired). */
  unknownIds(records: Iterable<{ key: Buffer | null; value: Buffer | null }>): number[] {
    // Runs on every batch the consumer takes: no allocation per record.
    let ids: Set<number> | undefined;
    const now = this.now();
    const note = (bytes: Buffer | null) => {
      const id = framedSchemaId(bytes);
      if (id === undefined) return;
      const entry = this.byId.get(id);
      if (entry === undefined || (!entry.ok && entry.until <= now)) (ids ??= new Set()).add(id);
    };
    for (const record of records) {
      note(record.value);
      note(record.key);
    }
    return ids ? [...ids] : [];
  }

  /**
   * Fetches the schemas of these ids, all at once, each bounded by the client's deadline. Never
   * throws: a failure is remembered and shown with the record. While the registry was just found
   * unreachable, nothing is fetched and nothing waits.
   */
  async prefetch(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    if (this.now() < this.unreachableUntil) {
      for (const id of ids) this.remember(id, `the registry at ${this.url} is unreachable`);
      return;
    }
    await Promise.all(ids.map((id) => this.fetchId(id)));
  }

  /** Decodes a framed key or value with a schema fetched before; undefined when not framed. */
  decode(bytes: Buffer | null, preferSubject?: string): FramedDecoded | undefined {
    const framed = unframe(bytes);
    if (!framed) return undefined;
    const { schemaId, payload } = framed;
    const entry = this.byId.get(schemaId);
    this.options.onLookup?.(entry?.ok ? 'hit' : 'error');
    if (!entry) {
      return {
        ok: false,
        schemaId,
        reason: `schema ${schemaId} was not fetched from the registry`,
      };
    }
    if (!entry.ok) return { ok: false, schemaId, reason: entry.reason };
    try {
      const decoded = entry.codec.decode(payload);
      const where = pickVersion(entry.versions, preferSubject);
      return {
        ok: true,
        json: decoded.json,
        name: decoded.name,
        registry: { id: schemaId, format: entry.codec.format, ...where },
      };
    } catch (error) {
      return {
        ok: false,
        schemaId,
        reason: `the bytes do not decode with schema ${schemaId} (${entry.codec.format}: ${reasonOf(error)})`,
      };
    }
  }

  /** A subject's schema at a version, or its latest (trusted for latestTtlMs). */
  async subjectSchema(
    subject: string,
    version: number | 'latest' = 'latest',
  ): Promise<SubjectSchema> {
    const key = `${subject}\u0000${version}`;
    if (version === 'latest') {
      const cached = this.latest.get(subject);
      if (cached && cached.until > this.now()) {
        this.options.onLookup?.('hit');
        return cached.schema;
      }
    } else {
      const cached = this.versions.get(key);
      if (cached) {
        this.options.onLookup?.('hit');
        return cached;
      }
    }
    try {
      const registered = await this.options.client.subjectVersion(subject, version);
      const schema = await this.compileRegistered(registered);
      this.options.onLookup?.('miss');
      this.versions.set(`${subject}\u0000${registered.version}`, schema);
      if (version === 'latest')
        this.latest.set(subject, { schema, until: this.now() + this.latestTtlMs });
      return schema;
    } catch (error) {
      this.options.onLookup?.('error');
      // A latest already known is better than none while the registry is away.
      const stale = version === 'latest' ? this.latest.get(subject) : undefined;
      if (stale && error instanceof RegistryError && error.kind === 'unavailable')
        return stale.schema;
      throw error;
    }
  }

  async register(subject: string, schema: SchemaText): Promise<number> {
    this.latest.delete(subject);
    return this.options.client.register(subject, schema);
  }

  close(): void {
    this.options.client.close();
  }

  private async compileRegistered(registered: RegisteredSchema): Promise<SubjectSchema> {
    const known = this.byId.get(registered.id);
    const codec = known?.ok
      ? known.codec
      : compileSchema(registered, await this.references(registered));
    if (!known?.ok) {
      this.byId.set(registered.id, {
        ok: true,
        codec,
        versions: [{ subject: registered.subject, version: registered.version }],
      });
    }
    return { id: registered.id, subject: registered.subject, version: registered.version, codec };
  }

  private fetchId(id: number): Promise<void> {
    const running = this.inFlight.get(id);
    if (running) return running;
    const fetching = (async () => {
      try {
        const schema = await this.options.client.schemaById(id);
        const codec = compileSchema(schema, await this.references(schema));
        const versions = await this.options.client.versionsOfId(id).catch(() => []);
        this.byId.set(id, { ok: true, codec, versions });
        this.options.onLookup?.('miss');
      } catch (error) {
        this.options.onLookup?.('error');
        if (error instanceof RegistryError && error.kind === 'unavailable') {
          this.unreachableUntil = this.now() + this.failureTtlMs;
          this.remember(id, reasonOf(error));
        } else if (error instanceof RegistryError && error.kind === 'not-found') {
          this.remember(id, `the registry at ${this.url} has no schema ${id}`);
        } else {
          this.remember(id, `schema ${id} could not be read (${reasonOf(error)})`);
        }
      } finally {
        this.inFlight.delete(id);
      }
    })();
    this.inFlight.set(id, fetching);
    return fetching;
  }

  /** Every schema a schema references, directly or not, dependencies first. */
  private async references(schema: SchemaText): Promise<Map<string, SchemaText>> {
    const found = new Map<string, SchemaText>();
    const visit = async (current: SchemaText, depth: number): Promise<void> => {
      if (depth > 32) throw new Error('schema references nest deeper than 32');
      for (const ref of current.references) {
        if (found.has(ref.name)) continue;
        const referenced = await this.options.client.subjectVersion(ref.subject, ref.version);
        await visit(referenced, depth + 1);
        found.set(ref.name, referenced);
      }
    };
    await visit(schema, 0);
    return found;
  }

  private remember(id: number, reason: string): void {
    const entry = this.byId.get(id);
    if (entry?.ok) return;
    this.byId.set(id, { ok: false, reason, until: this.now() + this.failureTtlMs });
  }
}

/** The subject a schema is shown under: the preferred one (`<topic>-value`) when it has it. */
function pickVersion(
  versions: readonly SubjectVersion[],
  preferSubject: string | undefined,
): Partial<SubjectVersion> {
  return versions.find((v) => v.subject === preferSubject) ?? versions[0] ?? {};
}
