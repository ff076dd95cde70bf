// Runs a real schema registry on loopback: Apicurio Registry, assembled once from Maven Central
// (registry/pom.xml) into .cache/schema-registry/<version>, with its schemas in memory. It serves
// the Confluent Schema Registry API under /apis/ccompat/v7, the URL the services are given as
// SCHEMA_REGISTRY_URL. Used by `npm start` (unless SCHEMA_REGISTRY_URL is set) and the tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { findFreePort, isPortFree } from './free-port';
import { superviseJvm, type JvmProcess } from './jvm-process';
import { PrerequisiteError } from './install-kafka';
import { lastLinesOf } from './local-broker';
import { cacheDir } from './paths';

export const REGISTRY_VERSION = '2.4.2.Final';
/** Where the Confluent-compatible API lives on an Apicurio registry. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';

export interface LocalRegistryOptions {
  /** A free port when omitted. */
  port?: number;
  /** Keeps the schemas in an H2 file database in this folder across restarts; in memory when omitted. */
  dataDir?: string;
  /** Where its log goes; a folder under .cache/schema-registry when omitted. */
  logDir?: string;
  heapMb?: number;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface LocalRegistry extends JvmProcess {
  /** The Confluent-compatible API, for SCHEMA_REGISTRY_URL. */
  url: string;
  port: number;
  logFile: string;
}

function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home ? path.join(home, 'bin', 'java') : 'java';
}

function runnerJar(appDir: string): string | undefined {
  if (!existsSync(appDir)) return undefined;
  const jar = readdirSync(appDir).find((name) => name.endsWith('-runner.jar'));
  return jar && existsSync(path.join(appDir, 'lib')) ? path.join(appDir, jar) : undefined;
}

/**
 * Builds the registry into .cache/schema-registry/<version>/app once (Maven fetches Apicurio and
 * Quarkus from Maven Central; about a minute with a warm Maven cache) and gives its runner jar.
 */
export function ensureRegistryBuilt(log: (line: string) => void = () => undefined): string {
  const versionDir = cacheDir('schema-registry', REGISTRY_VERSION);
  const appDir = path.join(versionDir, 'app');
  const built = runnerJar(appDir);
  if (built) return built;
  if (spawnSync('mvn', ['--version'], { encoding: 'utf8' }).error) {
    throw new PrerequisiteError(
      'Apache Maven (`mvn`) is needed once to build the local schema registry from Maven Central: install it (for example `apt-get install maven`), or set SCHEMA_REGISTRY_URL to a running registry.',
    );
  }
  log(
    `Building the local schema registry (Apicurio ${REGISTRY_VERSION}) from Maven Central into ${appDir} (once)...`,
  );
  // Built in a private copy and renamed into place: a concurrent or interrupted build never
  // leaves half an application behind.
  const staging = path.join(versionDir, `build.${process.pid}.tmp`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  cpSync(path.join(__dirname, '..', 'registry'), staging, { recursive: true });
  const result = spawnSync('mvn', ['--batch-mode', '--quiet', 'package', '-DskipTests'], {
    cwd: staging,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const target = path.join(staging, 'target');
  if (result.status !== 0 || !runnerJar(target)) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(
      `Maven could not build the schema registry (exit ${result.status}); is Maven Central reachable?\n${result.stdout}${result.stderr}`.trim(),
    );
  }
  if (!runnerJar(appDir)) {
    rmSync(appDir, { recursive: true, force: true });
    renameSync(target, appDir);
  }
  rmSync(staging, { recursive: true, force: true });
  const jar = runnerJar(appDir);
  if (!jar) throw new Error(`the schema registry build left no runner jar in ${appDir}`);
  log(`Schema registry ${REGISTRY_VERSION} built.`);
  return jar;
}

/** Ready means the Confluent API answers a request, not merely that the port is open. */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(`${url}/subjects`, { timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

export async function startLocalRegistry(
  options: LocalRegistryOptions = {},
): Promise<LocalRegistry> {
  const { heapMb = 384, readyTimeoutMs = 90_000, log = () => undefined } = options;
  const jar = ensureRegistryBuilt(log);
  const port = options.port ?? (await findFreePort());
  if (!(await isPortFree(port))) {
    throw new PrerequisiteError(
      `Port ${port} (the schema registry) is already in use: stop whatever listens there, choose another port with SCHEMA_REGISTRY_PORT, or set SCHEMA_REGISTRY_URL to use a running registry.`,
    );
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const logDir = options.logDir ?? cacheDir('schema-registry', 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `registry-${port}.log`);
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    javaCommand(),
    [
      `-Xmx${heapMb}m`,
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      `-Dquarkus.http.port=${port}`,
      '-Dquarkus.http.host=127.0.0.1',
      ...(options.dataDir
        ? [
            `-Dquarkus.datasource.jdbc.url=jdbc:h2:file:${path.join(path.resolve(options.dataDir), 'registry')}`,
          ]
        : []),
      '-jar',
      jar,
    ],
    { stdio: ['ignore', out, out], detached: true },
  );
  closeSync(out);
  const url = `http://127.0.0.1:${port}${CCOMPAT_PATH}`;
  const registry: LocalRegistry = { url, port, logFile, ...superviseJvm(child, 15_000) };
  const deadline = Date.now() + readyTimeoutMs;
  while (!(await answers(url))) {
    if (!registry.isRunning() || Date.now() > deadline) {
      await registry.kill();
      throw new Error(
        `the schema registry did not answer on ${url} within ${readyTimeoutMs} ms\n--- last lines of ${logFile} ---\n${lastLinesOf(logFile)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  log(`Schema registry (Apicurio ${REGISTRY_VERSION}) is up: ${url}`);
  return registry;
}
