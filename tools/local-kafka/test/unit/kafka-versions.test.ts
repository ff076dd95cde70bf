// The parts of the local broker that depend on the Kafka version: logging backend, fetched
// binding, server.properties defaults and the Java check. No broker is started here.
import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ensureKafkaInstalled,
  KAFKA_PREVIOUS_VERSION,
  KAFKA_VERSION,
  kafkaVersionProfile,
  mavenFetchArgs,
  PrerequisiteError,
  serverProperties,
} from '@kafka-http/local-kafka';

const base = { port: 19092, controllerPort: 19093, logDir: '/tmp/kraft-logs' };

describe('kafkaVersionProfile', () => {
  it('pins 4.1.1 as the default and 3.9.1 as the tested older version', () => {
    expect(KAFKA_VERSION).toBe('4.1.1');
    expect(KAFKA_PREVIOUS_VERSION).toBe('3.9.1');
  });

  it('runs Kafka 4.x with log4j2 through log4j-slf4j-impl', () => {
    const profile = kafkaVersionProfile(KAFKA_VERSION);
    expect(profile).toMatchObject({ major: 4, minor: 1, minJava: 17 });
    expect(profile.slf4jBinding).toEqual({
      groupId: 'org.apache.logging.log4j',
      artifactId: 'log4j-slf4j-impl',
      version: '2.24.3',
    });
    expect(profile.logging.fileName).toBe('log4j2.properties');
    expect(profile.logging.jvmOption('/x/log4j2.properties')).toBe(
      '-Dlog4j2.configurationFile=/x/log4j2.properties',
    );
    expect(profile.logging.text).toContain(
      'appender.file.fileName = ${sys:kafka.logs.dir}/server.log',
    );
    expect(profile.unknownProperties).toEqual([]);
  });

  it('runs Kafka 3.x with the log4j 1 API through slf4j-reload4j', () => {
    const profile = kafkaVersionProfile(KAFKA_PREVIOUS_VERSION);
    expect(profile).toMatchObject({ major: 3, minor: 9, minJava: 11 });
    expect(profile.slf4jBinding).toEqual({
      groupId: 'org.slf4j',
      artifactId: 'slf4j-reload4j',
      version: '1.7.36',
    });
    expect(profile.logging.fileName).toBe('log4j.properties');
    expect(profile.logging.jvmOption('/x/log4j.properties')).toBe(
      '-Dlog4j.configuration=file:/x/log4j.properties',
    );
    expect(profile.logging.text).toContain('log4j.appender.file.File=${kafka.logs.dir}/server.log');
    expect(profile.logging.text).toMatch(/^log4j\.rootLogger=INFO, file$/m);
    expect(profile.unknownProperties).toContain('share.coordinator.state.topic.replication.factor');
  });

  it.each(['4', '4.1', 'v4.1.1', '4.1.1-rc1', '', 'latest'])(
    'refuses %p as a version',
    (version) => {
      expect(() => kafkaVersionProfile(version)).toThrow(PrerequisiteError);
      expect(() => kafkaVersionProfile(version)).toThrow(/is not a Kafka release version/);
    },
  );

  it.each(['2.8.2', '3.4.1'])('refuses %p as too old for KRaft with SCRAM at format', (version) => {
    expect(() => kafkaVersionProfile(version)).toThrow(`Kafka ${version} is too old`);
  });
});

describe('mavenFetchArgs', () => {
  it('asks Maven for the broker and the binding of that version', () => {
    const args = mavenFetchArgs(kafkaVersionProfile('3.9.1'), '/p/pom.xml', '/out');
    expect(args).toEqual(
      expect.arrayContaining([
        '-f',
        '/p/pom.xml',
        '-Dkafka.version=3.9.1',
        '-Dslf4j.binding.groupId=org.slf4j',
        '-Dslf4j.binding.artifactId=slf4j-reload4j',
        '-Dslf4j.binding.version=1.7.36',
        '-DoutputDirectory=/out',
      ]),
    );
    expect(mavenFetchArgs(kafkaVersionProfile('4.1.1'), '/p/pom.xml', '/out')).toContain(
      '-Dslf4j.binding.artifactId=log4j-slf4j-impl',
    );
  });
});

describe('serverProperties for a version', () => {
  it('keeps the share-group settings for 4.x (the default version)', () => {
    expect(serverProperties(base)).toMatch(
      /^share\.coordinator\.state\.topic\.replication\.factor=1$/m,
    );
    expect(serverProperties({ ...base, version: '4.1.1' })).toBe(serverProperties(base));
  });

  it('leaves them out for 3.x but keeps the rest, and an explicit override still wins', () => {
    const text = serverProperties({ ...base, version: KAFKA_PREVIOUS_VERSION });
    expect(text).not.toContain('share.coordinator');
    expect(text).toMatch(/^process\.roles=broker,controller$/m);
    expect(text).toMatch(/^offsets\.topic\.replication\.factor=1$/m);
    const overridden = serverProperties({
      ...base,
      version: KAFKA_PREVIOUS_VERSION,
      overrides: { 'share.coordinator.state.topic.min.isr': 1 },
    });
    expect(overridden).toMatch(/^share\.coordinator\.state\.topic\.min\.isr=1$/m);
  });
});

describe('ensureKafkaInstalled with a version', () => {
  const savedJavaHome = process.env.JAVA_HOME;
  let scratch: string | undefined;
  afterEach(() => {
    if (savedJavaHome === undefined) delete process.env.JAVA_HOME;
    else process.env.JAVA_HOME = savedJavaHome;
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  function fakeJava(versionLine: string): void {
    scratch = mkdtempSync(path.join(tmpdir(), 'fake-jdk-'));
    mkdirSync(path.join(scratch, 'bin'));
    const java = path.join(scratch, 'bin', 'java');
    writeFileSync(java, `#!/bin/sh\necho '${versionLine}' >&2\n`);
    chmodSync(java, 0o755);
    process.env.JAVA_HOME = scratch;
  }

  it('names the version and the Java it needs', () => {
    fakeJava('java version "1.8.0_392"');
    expect(() => ensureKafkaInstalled({ version: '3.9.1', log: () => undefined })).toThrow(
      new PrerequisiteError(
        `Kafka 3.9.1 needs Java 11 or newer, but \`${path.join(scratch ?? '', 'bin', 'java')} -version\` reports 8: install a newer JDK or set JAVA_HOME to one.`,
      ),
    );
  });

  it('refuses a malformed version before looking for Java or Maven', () => {
    const log = jest.fn();
    expect(() => ensureKafkaInstalled({ version: '3.9', log })).toThrow(/not a Kafka release/);
    expect(log).not.toHaveBeenCalled();
  });
});
