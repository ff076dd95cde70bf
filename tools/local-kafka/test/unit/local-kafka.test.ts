// The local Kafka tool's pure parts and prerequisite checks: no broker is started here.
import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ensureKafkaInstalled,
  findFreePort,
  isPortFree,
  javaMajorVersion,
  PrerequisiteError,
  randomClusterId,
  serverProperties,
} from '@kafka-http/local-kafka';

function parseProperties(text: string): Map<string, string> {
  const entries = text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as [string, string];
    });
  return new Map(entries);
}

/** Runs `fn`, expecting a PrerequisiteError, and returns it. */
function prerequisiteErrorOf(fn: () => unknown): PrerequisiteError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PrerequisiteError);
    return error as PrerequisiteError;
  }
  throw new Error('expected a PrerequisiteError, but nothing was thrown');
}

/** Sentence ends: a full stop, ! or ? followed by whitespace or the end of the text. */
function sentenceCount(text: string): number {
  return (text.match(/[.!?](?=\s|$)/g) ?? []).length;
}

describe('javaMajorVersion', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "21" 2023-09-19', 21],
    ['openjdk version "11.0.2" 2019-01-15\nOpenJDK Runtime Environment', 11],
  ])('reads %p as %d', (output, major) => {
    expect(javaMajorVersion(output)).toBe(major);
  });

  it.each(['', 'garbage', 'command not found: java', 'version 17'])(
    'answers undefined for %p',
    (output) => {
      expect(javaMajorVersion(output)).toBeUndefined();
    },
  );
});

describe('serverProperties', () => {
  const base = { port: 19092, controllerPort: 19093, logDir: '/tmp/kraft-logs' };

  it('listens on loopback with the given ports', () => {
    const properties = parseProperties(serverProperties(base));
    expect(properties.get('listeners')).toBe(
      'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093',
    );
    expect(properties.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(properties.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093');
    expect(properties.get('log.dirs')).toBe('/tmp/kraft-logs');
    expect(properties.get('process.roles')).toBe('broker,controller');
    expect(properties.get('auto.create.topics.enable')).toBe('false');
  });

  it('writes one key=value line per property, ending with a newline', () => {
    const text = serverProperties(base);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^[a-z.]+=\S+$/);
    expect(new Set(lines.map((line) => line.split('=')[0])).size).toBe(lines.length);
  });

  it('lets overrides win and adds new keys', () => {
    const text = serverProperties({
      ...base,
      overrides: {
        'num.partitions': 3,
        'auto.create.topics.enable': true,
        'log.retention.ms': 1000,
      },
    });
    const properties = parseProperties(text);
    expect(properties.get('num.partitions')).toBe('3');
    expect(properties.get('auto.create.topics.enable')).toBe('true');
    expect(properties.get('log.retention.ms')).toBe('1000');
    // Each key once: an override replaces the default instead of adding a second line.
    expect(text.match(/^num\.partitions=/gm)).toHaveLength(1);
  });
});

describe('randomClusterId', () => {
  it('is 22 URL-safe base64 characters not starting with "-"', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const id = randomClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(500);
  });

  it('decodes to 16 bytes', () => {
    expect(Buffer.from(randomClusterId(), 'base64url')).toHaveLength(16);
  });
});

describe('ensureKafkaInstalled', () => {
  const savedJavaHome = process.env.JAVA_HOME;
  let scratch: string | undefined;

  afterEach(() => {
    if (savedJavaHome === undefined) delete process.env.JAVA_HOME;
    else process.env.JAVA_HOME = savedJavaHome;
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  it('says in one sentence that Java 17 is needed when JAVA_HOME has no java', () => {
    process.env.JAVA_HOME = path.join(tmpdir(), `no-such-jdk-${process.pid}-${Date.now()}`);
    const log = jest.fn();
    const error = prerequisiteErrorOf(() => ensureKafkaInstalled({ log }));
    expect(error.name).toBe('PrerequisiteError');
    expect(error.message).toContain('Java 17');
    expect(sentenceCount(error.message)).toBe(1);
    expect(error.message.trim().endsWith('.')).toBe(true);
    expect(error.message).not.toContain('\n');
    expect(log).not.toHaveBeenCalled();
  });

  it('refuses a Java older than 17, naming the version it found', () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'old-jdk-'));
    mkdirSync(path.join(scratch, 'bin'));
    const java = path.join(scratch, 'bin', 'java');
    writeFileSync(java, '#!/bin/sh\necho \'java version "1.8.0_392"\' >&2\n');
    chmodSync(java, 0o755);
    process.env.JAVA_HOME = scratch;
    const error = prerequisiteErrorOf(() => ensureKafkaInstalled({ log: () => undefined }));
    expect(error.message).toContain('Java 17');
    expect(error.message).toContain('reports 8');
  });
});

describe('findFreePort and isPortFree', () => {
  it('finds a loopback port that is free', async () => {
    const port = await findFreePort();
    expect(Number.isInteger(port)).toBe(true);
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65_536);
    expect(await isPortFree(port)).toBe(true);
  });

  it('reports a port someone listens on as not free, and free again once closed', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      expect(await isPortFree(port)).toBe(false);
    } finally {
      server.close();
      await once(server, 'close');
    }
    expect(await isPortFree(port)).toBe(true);
  });
});
