// `npm start`: a local Kafka broker (unless KAFKA_BROKERS points at a cluster), then service-a and
// service-b, each waited for until ready. Ctrl-C stops the services first (so service-b commits
// what it delivered), then the broker.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PrerequisiteError } from './install-kafka';
import { startLocalKafka, type LocalKafka } from './local-broker';
import { cacheDir, repoRoot } from './paths';

interface ServiceProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/** Shows a pino JSON line as one short readable line; anything else as it is. */
export function formatLogLine(name: string, line: string): string {
  try {
    const {
      level,
      time,
      msg,
      name: _n,
      pid: _p,
      hostname: _h,
      ...rest
    } = JSON.parse(line) as Record<string, unknown>;
    const clock = new Date(Number(time)).toISOString().slice(11, 23);
    const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    return `${clock} ${LEVELS[Number(level)] ?? level} [${name}] ${String(msg)}${extra}`;
  } catch {
    return `[${name}] ${line}`;
  }
}

function startService(name: string, port: number, env: NodeJS.ProcessEnv): ServiceProcess {
  return { name, port, url: `http://localhost:${port}`, child: spawnChild(name, port, env) };
}

function spawnChild(name: string, port: number, env: NodeJS.ProcessEnv): ChildProcess {
  const main = path.join(repoRoot(), name, 'dist', 'main.js');
  // Its own process group: Ctrl-C reaches only this script, which then stops children in order.
  const child = spawn(process.execPath, ['--enable-source-maps', main], {
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream)
      createInterface({ input: stream }).on('line', (line) =>
        console.log(formatLogLine(name, line)),
      );
  }
  return child;
}

async function waitUntilReady(service: ServiceProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null)
      throw new Error(`${service.name} exited with code ${service.child.exitCode}`);
    const ok = await fetch(`${service.url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${service.name} was not ready within ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function main(): Promise<void> {
  let broker: LocalKafka | undefined;
  const env = { ...process.env };
  if (!env.KAFKA_BROKERS) {
    const port = Number(env.KAFKA_PORT ?? 9092);
    broker = await startLocalKafka({
      dataDir: cacheDir('kafka', 'data'),
      port,
      controllerPort: port + 1,
      log: console.log,
    });
    env.KAFKA_BROKERS = broker.brokers;
  } else {
    console.log(`Using the Kafka cluster at ${env.KAFKA_BROKERS}.`);
  }

  const services = [
    startService('service-a', Number(env.SERVICE_A_PORT ?? 5101), env),
    startService('service-b', Number(env.SERVICE_B_PORT ?? 5102), env),
  ];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping the services, then Kafka...');
    await Promise.all(services.map((s) => stopChild(s.child)));
    await broker?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  try {
    await Promise.all(services.map((s) => waitUntilReady(s, 90_000)));
  } catch (error) {
    console.error((error as Error).message);
    await stopAll(1);
    return;
  }
  // Like a process supervisor: a service that dies after it was up (service-b exits on purpose
  // when its consumer is beyond repair) is started again, unless it keeps dying.
  for (const service of services) {
    const restarts: number[] = [];
    const watch = () => {
      service.child.once('exit', (code, signal) => {
        if (stopping) return;
        restarts.push(Date.now());
        while ((restarts[0] ?? Infinity) < Date.now() - 60_000) restarts.shift();
        if (restarts.length > 5) {
          console.error(`${service.name} keeps exiting (code ${code}); stopping everything.`);
          void stopAll(1);
          return;
        }
        console.error(`${service.name} exited (${signal ?? `code ${code}`}); starting it again.`);
        service.child = spawnChild(service.name, service.port, env);
        watch();
      });
    };
    watch();
  }
  const [a, b] = services as [ServiceProcess, ServiceProcess];
  console.log(`
  Kafka      ${env.KAFKA_BROKERS}${broker ? `   (local broker, log: ${broker.logFile})` : ''}
  service-a  ${a.url}   Swagger UI: ${a.url}/swagger
  service-b  ${b.url}   Swagger UI: ${b.url}/swagger

  Try it:
    curl -X POST ${a.url}/api/messages -H 'Content-Type: application/json' -d '"Hello, Kafka!"'
    curl ${b.url}/api/messages

  Press Ctrl-C to stop everything.
`);
}

main().catch((error: unknown) => {
  console.error(error instanceof PrerequisiteError ? error.message : error);
  process.exit(1);
});
