// Fetches the Apache Kafka broker jars from Maven Central into .cache/kafka/<version>/lib, once.
// Needs `java` (17 or newer) to run the broker and `mvn` to resolve its classpath; when either is
// missing the error says, in one sentence, what to install.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { KAFKA_VERSION } from './kafka-version';
import { kafkaVersionProfile, type KafkaVersionProfile } from './kafka-versions';
import { cacheDir } from './paths';
import { PrerequisiteError } from './prerequisite-error';

export { PrerequisiteError };

export interface KafkaInstallation {
  version: string;
  /** Folder holding every jar of the broker's runtime classpath. */
  libDir: string;
  /** A `java -cp` value covering libDir. */
  classpath: string;
  javaCommand: string;
  /** How this version is configured and started. */
  profile: KafkaVersionProfile;
}

export function javaMajorVersion(versionOutput: string): number | undefined {
  // `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` or `java version "1.8.0_392"`.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  const major = first === 1 ? Number(match[2]) : first;
  return Number.isInteger(major) ? major : undefined;
}

function checkJava(javaCommand: string, { version, minJava }: KafkaVersionProfile): void {
  const probe = spawnSync(javaCommand, ['-version'], { encoding: 'utf8' });
  if (probe.error) {
    throw new PrerequisiteError(
      `Java ${minJava} or newer is needed to run the local Kafka broker: install a JDK (for example \`apt-get install openjdk-17-jre-headless\`) or set JAVA_HOME, or point the services at an existing cluster with KAFKA_BROKERS.`,
    );
  }
  const major = javaMajorVersion(`${probe.stderr}${probe.stdout}`);
  if (major === undefined || major < minJava) {
    throw new PrerequisiteError(
      `Kafka ${version} needs Java ${minJava} or newer, but \`${javaCommand} -version\` reports ${major ?? 'an unknown version'}: install a newer JDK or set JAVA_HOME to one.`,
    );
  }
}

function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home ? path.join(home, 'bin', 'java') : 'java';
}

function hasJars(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((name) => name.startsWith('kafka_2.13-'));
}

/**
 * Makes sure the jars of Kafka `version` (KAFKA_VERSION when omitted) are in
 * .cache/kafka/<version>/lib (fetching them on first use) and Java can run them.
 */
export function ensureKafkaInstalled({
  version = KAFKA_VERSION,
  log = (line: string) => console.error(line),
}: { version?: string; log?: (line: string) => void } = {}): KafkaInstallation {
  const profile = kafkaVersionProfile(version);
  const java = javaCommand();
  checkJava(java, profile);
  const versionDir = cacheDir('kafka', version);
  const libDir = path.join(versionDir, 'lib');
  if (!hasJars(libDir)) {
    fetchJars(profile, versionDir, libDir, log);
  }
  return { version, libDir, classpath: path.join(libDir, '*'), javaCommand: java, profile };
}

/** The `mvn` arguments that copy the runtime classpath of a Kafka version into `outputDir`. */
export function mavenFetchArgs(
  { version, slf4jBinding }: KafkaVersionProfile,
  pom: string,
  outputDir: string,
): string[] {
  return [
    '--batch-mode',
    '--quiet',
    '-f',
    pom,
    `-Dkafka.version=${version}`,
    `-Dslf4j.binding.groupId=${slf4jBinding.groupId}`,
    `-Dslf4j.binding.artifactId=${slf4jBinding.artifactId}`,
    `-Dslf4j.binding.version=${slf4jBinding.version}`,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${outputDir}`,
  ];
}

function fetchJars(
  profile: KafkaVersionProfile,
  versionDir: string,
  libDir: string,
  log: (line: string) => void,
): void {
  const { version } = profile;
  if (spawnSync('mvn', ['--version'], { encoding: 'utf8' }).error) {
    throw new PrerequisiteError(
      `Apache Maven (\`mvn\`) is needed once to fetch Kafka ${version} from Maven Central: install it (for example \`apt-get install maven\`), or point the services at an existing cluster with KAFKA_BROKERS.`,
    );
  }
  log(`Fetching Apache Kafka ${version} from Maven Central into ${libDir} (once)...`);
  mkdirSync(versionDir, { recursive: true });
  // Download into a private folder and rename it into place, so an interrupted or concurrent fetch
  // never leaves a half-filled lib folder behind.
  const staging = path.join(versionDir, `lib.${process.pid}.tmp`);
  rmSync(staging, { recursive: true, force: true });
  const pom = path.join(__dirname, '..', 'maven', 'pom.xml');
  const result = spawnSync('mvn', mavenFetchArgs(profile, pom, staging), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0 || !hasJars(staging)) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(
      `Maven could not fetch Kafka ${version} (exit ${result.status}); is Maven Central reachable?\n${result.stdout}${result.stderr}`.trim(),
    );
  }
  if (hasJars(libDir)) {
    rmSync(staging, { recursive: true, force: true }); // another process finished first
    return;
  }
  rmSync(libDir, { recursive: true, force: true });
  renameSync(staging, libDir);
  log(`Kafka ${version}: ${readdirSync(libDir).length} jars ready.`);
}
