// The suite's real schema registry (Apicurio, started by test/global-setup.ts) and the one call
// tests make to it directly: registering a schema under a subject, as any producer would.

export function testRegistryUrl(): string {
  const url = process.env.SCHEMA_REGISTRY_TEST_URL;
  if (!url) throw new Error('SCHEMA_REGISTRY_TEST_URL is not set: run through jest (global setup)');
  return url;
}

export interface SchemaToRegister {
  schema: string;
  schemaType?: 'AVRO' | 'PROTOBUF' | 'JSON';
  references?: { name: string; subject: string; version: number }[];
}

/** Registers a schema with the Confluent API and gives the id the registry assigned. */
export async function registerSchema(
  subject: string,
  schema: SchemaToRegister,
  url = testRegistryUrl(),
): Promise<number> {
  const response = await fetch(`${url}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify(schema),
  });
  const body = (await response.json()) as { id?: number; message?: string };
  if (!response.ok || typeof body.id !== 'number') {
    throw new Error(`registering ${subject} failed: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.id;
}

/** The Confluent wire format, written here by hand so the tests do not lean on the code under test. */
export function framed(schemaId: number, payload: number[] | Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, Buffer.from(payload)]);
}

/** Avro's encoding of a string: its UTF-8 length as a zigzag varint (short strings), then the bytes. */
export function avroString(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  if (bytes.length > 63) throw new Error('avroString writes short strings only');
  return [bytes.length * 2, ...bytes];
}
