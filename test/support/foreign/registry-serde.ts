// Apicurio Registry's Avro serializer and deserializer in a Java producer and consumer
// (registry-serde/RegistrySerdeClient.java), in the Confluent wire format: a registry-aware client
// this project did not write. Its jars come from Maven Central once, into .cache/registry-serde/lib.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheDir } from '@kafka-http/local-kafka';
import { compileJava, QUICK_JVM_FLAGS, type CompiledJava } from './compile-java';

const folder = path.join(__dirname, 'registry-serde');

function serdeJars(): string[] {
  const libDir = cacheDir('registry-serde', 'lib');
  if (!existsSync(libDir)) {
    const staging = `${libDir}.${process.pid}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    const result = spawnSync(
      'mvn',
      [
        '--batch-mode',
        '--quiet',
        '-f',
        path.join(folder, 'pom.xml'),
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${staging}`,
      ],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) {
      rmSync(staging, { recursive: true, force: true });
      throw new Error(
        `Maven could not fetch Apicurio's serializers:\n${result.stdout}${result.stderr}`,
      );
    }
    if (!existsSync(libDir)) renameSync(staging, libDir);
    else rmSync(staging, { recursive: true, force: true });
  }
  return readdirSync(libDir)
    .filter((name) => name.endsWith('.jar'))
    .sort()
    .map((name) => path.join(libDir, name));
}

let compiled: Promise<CompiledJava> | undefined;

function compileSerdeClient(): Promise<CompiledJava> {
  compiled ??= compileJava({
    name: 'registry-serde-client',
    sources: [path.join(folder, 'RegistrySerdeClient.java')],
    jars: serdeJars(),
    mainClass: 'RegistrySerdeClient',
  });
  compiled.catch(() => {
    compiled = undefined;
  });
  return compiled;
}

/** Apicurio's own API beside the Confluent-compatible one the services use. */
export function apicurioApiOf(ccompatUrl: string): string {
  return ccompatUrl.replace(/\/apis\/ccompat\/v\d+$/, '/apis/registry/v2');
}

async function run(args: string[]): Promise<unknown[]> {
  const { java, classpath, classesDir } = await compileSerdeClient();
  try {
    const { stdout } = await promisify(execFile)(
      java,
      [
        ...QUICK_JVM_FLAGS,
        '-Xmx256m',
        '-cp',
        `${classesDir}${path.delimiter}${classpath}`,
        'RegistrySerdeClient',
        ...args,
      ],
      { encoding: 'utf8', timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as unknown);
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(
      `RegistrySerdeClient ${args[0]} failed: ${(stderr ?? String(error)).slice(-3000)}`,
    );
  }
}

/** Writes values (Avro's JSON encoding) with the latest schema of `<topic>-value`. */
export async function serdeProduce(options: {
  brokers: string;
  topic: string;
  registryUrl: string;
  schema: unknown;
  values: unknown[];
}): Promise<{ partition: number; offset: number }[]> {
  return (await run([
    'produce',
    options.brokers,
    options.topic,
    apicurioApiOf(options.registryUrl),
    JSON.stringify(options.schema),
    ...options.values.map((value) => JSON.stringify(value)),
  ])) as { partition: number; offset: number }[];
}

/** Reads `count` values from the beginning, decoded by Apicurio's deserializer. */
export async function serdeConsume(options: {
  brokers: string;
  topic: string;
  registryUrl: string;
  count: number;
}): Promise<{ offset: number; value: unknown }[]> {
  return (await run([
    'consume',
    options.brokers,
    options.topic,
    apicurioApiOf(options.registryUrl),
    String(options.count),
  ])) as { offset: number; value: unknown }[];
}
