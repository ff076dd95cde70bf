// `npm start`: a local Kafka broker (unless KAFKA_BROKERS points at a cluster), then service-a and
// service-b, each waited for until ready, then watched like a process supervisor would: a broker or
// service that dies is announced and started again (unless it keeps dying). Ctrl-C, SIGTERM and
// SIGHUP (a closed terminal) stop the services first, so service-b commits what it delivered, then
// the broker; no child is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PrerequisiteError } from './install-kafka';
import { startLocalKafka, type LocalKafka } from './local-broker';
import { startLocalRegistry, type LocalRegistry } from './local-registry';
import { SERVICE_NODE_FLAGS } from './node-flags';
import { cacheDir, repoRoot } from './paths';
import {
  EXIT_PORT_IN_USE,
  formatLogLine,
  neededPorts,
  portClashMessage,
  portsInUse,
  RestartBudget,
  type NeededPort,
} from './supervision';

interface ServiceProcess {
  name: keyof typeof SERVICE_NODE_FLAGS;
  port: NeededPort;
  url: string;
  /** This run's id for the child, echoed in its `Service-Instance-Id` header. */
  instanceId: string;
  child: ChildProcess;
}

/** The supervisor's own lines, in the same shape as the children's. */
function say(level: 'INFO ' | 'WARN ' | 'ERROR', text: string): void {
  console.log(`${new Date().toISOString().slice(11, 23)} ${level} [npm start] ${text}`);
}

function spawnService(service: Omit<ServiceProcess, 'child'>, env: NodeJS.ProcessEnv) {
  const main = path.join(repoRoot(), service.name, 'dist', 'main.js');
  // Its own process group: Ctrl-C reaches only this script, which then stops children in order.
  const flags = SERVICE_NODE_FLAGS[service.name];
  const child = spawn(process.execPath, ['--enable-source-maps', ...flags, main], {
    env: { ...env, PORT: String(service.port.port), SERVICE_INSTANCE_ID: service.instanceId },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) =>
      console.log(formatLogLine(service.name, line)),
    );
  }
  return child;
}

class PortTakenError extends Error {}

/** Ready means this run's child answers, not merely that something answers on its port. */
async function waitUntilReady(service: ServiceProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { exitCode } = service.child;
    if (exitCode === EXIT_PORT_IN_USE) throw new PortTakenError(portClashMessage([service.port]));
    if (exitCode !== null) throw new Error(`${service.name} exited with code ${exitCode}`);
    const ours = await fetch(`${service.url}/health/ready`).then(
      (r) => r.ok && r.headers.get('service-instance-id') === service.instanceId,
      () => false,
    );
    if (ours) return;
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
  // A closed terminal makes every write fail; that must not stop the orderly shutdown.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

  const env = { ...process.env };
  const ports = neededPorts(env);
  const taken = await portsInUse(ports);
  if (taken.length > 0) {
    say('ERROR', portClashMessage(taken));
    process.exit(1);
  }
  const portOf = (variable: string) => ports.find((p) => p.variable === variable) as NeededPort;

  let stopping = false;
  let broker: LocalKafka | undefined;
  let brokerStarting: Promise<LocalKafka | undefined> = Promise.resolve(undefined);
  let registryStarting: Promise<LocalRegistry | undefined> = Promise.resolve(undefined);
  const services: ServiceProcess[] = [];
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('INFO ', 'Stopping the services, then Kafka...');
    await Promise.all(services.map((s) => stopChild(s.child)));
    // The broker last, also one that is still starting (or starting again).
    await Promise.all([
      (await registryStarting.catch(() => undefined))?.stop(),
      (await brokerStarting.catch(() => undefined))?.stop(),
    ]);
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void stopAll(signal === 'SIGHUP' ? 129 : 0));
  }
  // npm passes SIGINT and SIGTERM on to this script, not SIGHUP: when npm itself is hung up (or
  // killed), this process is handed to another parent. Seen here as a changed parent pid.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid === parent || stopping) return;
    say('WARN ', 'The process that ran npm start is gone; stopping everything.');
    void stopAll(129);
  }, 1000).unref();
  process.on('uncaughtException', (error) => {
    say('ERROR', `npm start failed: ${error.message}`);
    void stopAll(1);
  });

  // The registry starts beside the broker (they do not depend on each other).
  if (env.SCHEMA_REGISTRY_URL === 'off') {
    env.SCHEMA_REGISTRY_URL = '';
  } else if (!env.SCHEMA_REGISTRY_URL) {
    const startRegistry = () =>
      startLocalRegistry({
        port: portOf('SCHEMA_REGISTRY_PORT').port,
        dataDir: env.SCHEMA_REGISTRY_DATA_DIR || cacheDir('schema-registry', 'data'),
        log: (line) => say('INFO ', line),
      });
    registryStarting = startRegistry();
    const budget = new RestartBudget(3, 5 * 60_000);
    const watchRegistry = (running: LocalRegistry) => {
      void running.exited.then(({ code, signal }) => {
        if (stopping) return;
        const how = signal ?? `code ${code}`;
        if (!budget.record()) {
          say('ERROR', `The schema registry keeps exiting (${how}); see ${running.logFile}.`);
          return void stopAll(1);
        }
        say(
          'WARN ',
          `The schema registry exited (${how}); starting it again. Meanwhile schemas already read are still used (see ${running.logFile}).`,
        );
        registryStarting = startRegistry();
        registryStarting.then(
          (next) => next && !stopping && watchRegistry(next),
          (error: unknown) => {
            say(
              'ERROR',
              `The schema registry could not be started again: ${(error as Error).message}`,
            );
            void stopAll(1);
          },
        );
      });
    };
    void registryStarting.then(
      (running) => running && watchRegistry(running),
      () => undefined,
    );
  }

  if (!env.KAFKA_BROKERS) {
    const startBroker = () =>
      startLocalKafka({
        dataDir: env.KAFKA_DATA_DIR || cacheDir('kafka', 'data'),
        port: portOf('KAFKA_PORT').port,
        controllerPort: portOf('KAFKA_CONTROLLER_PORT').port,
        log: (line) => say('INFO ', line),
      });
    const starting = startBroker();
    brokerStarting = starting;
    broker = await starting;
    env.KAFKA_BROKERS = broker.brokers;
    const budget = new RestartBudget(3, 5 * 60_000);
    const watchBroker = (running: LocalKafka) => {
      void running.exited.then(async ({ code, signal }) => {
        if (stopping) return;
        const how = signal ?? `code ${code}`;
        if (!budget.record()) {
          say('ERROR', `The Kafka broker keeps exiting (${how}); see ${running.logFile}.`);
          return stopAll(1);
        }
        say(
          'WARN ',
          `The Kafka broker exited (${how}); starting it again. Until it is back the services answer 503 (see ${running.logFile}).`,
        );
        try {
          const restarting = startBroker();
          brokerStarting = restarting;
          broker = await restarting;
          if (stopping) return;
          watchBroker(broker);
        } catch (error) {
          say('ERROR', `The Kafka broker could not be started again: ${(error as Error).message}`);
          void stopAll(1);
        }
      });
    };
    watchBroker(broker);
  } else {
    say('INFO ', `Using the Kafka cluster at ${env.KAFKA_BROKERS}.`);
  }
  // The registry is optional: without it framed records are shown raw, everything else works.
  const registry = await registryStarting.catch((error: unknown) => {
    say(
      'WARN ',
      `The local schema registry could not be started, so the services run without one (set SCHEMA_REGISTRY_URL=off to skip it): ${(error as Error).message.split('\n')[0]}`,
    );
    registryStarting = Promise.resolve(undefined);
    return undefined;
  });
  if (registry) env.SCHEMA_REGISTRY_URL = registry.url;
  else if (env.SCHEMA_REGISTRY_URL)
    say('INFO ', `Using the schema registry at ${env.SCHEMA_REGISTRY_URL}.`);
  if (stopping) return;

  // Each service links to the other one's Swagger UI and names it in its hints.
  env.SERVICE_A_URL ??= `http://localhost:${portOf('SERVICE_A_PORT').port}`;
  env.SERVICE_B_URL ??= `http://localhost:${portOf('SERVICE_B_PORT').port}`;
  for (const [name, variable] of [
    ['service-a', 'SERVICE_A_PORT'],
    ['service-b', 'SERVICE_B_PORT'],
  ] as const) {
    const port = portOf(variable);
    const spec = {
      name,
      port,
      url: `http://localhost:${port.port}`,
      instanceId: `${name}-${randomBytes(6).toString('hex')}`,
    };
    services.push({ ...spec, child: spawnService(spec, env) });
  }
  try {
    await Promise.all(services.map((s) => waitUntilReady(s, 90_000)));
  } catch (error) {
    say('ERROR', (error as Error).message);
    await stopAll(1);
    return;
  }
  // A service that dies after it was up (service-b exits on purpose when its consumer is beyond
  // repair) is started again, unless it keeps dying or cannot get its port.
  for (const service of services) {
    const budget = new RestartBudget(5, 60_000);
    const watch = () => {
      service.child.once('exit', (code, signal) => {
        if (stopping) return;
        if (code === EXIT_PORT_IN_USE) {
          say('ERROR', portClashMessage([service.port]));
          return void stopAll(1);
        }
        if (!budget.record()) {
          say('ERROR', `${service.name} keeps exiting (code ${code}); stopping everything.`);
          return void stopAll(1);
        }
        say('WARN ', `${service.name} exited (${signal ?? `code ${code}`}); starting it again.`);
        service.child = spawnService(service, env);
        watch();
      });
    };
    watch();
  }
  const [a, b] = services as [ServiceProcess, ServiceProcess];
  console.log(`
  Kafka      ${env.KAFKA_BROKERS}${broker ? `   (local broker, log: ${broker.logFile})` : '   (not started by npm start)'}
  Registry   ${env.SCHEMA_REGISTRY_URL || '(none: SCHEMA_REGISTRY_URL=off)'}${registry ? '   (local Apicurio registry)' : ''}
  service-a  ${a.url}   Swagger UI: ${a.url}/swagger
  service-b  ${b.url}   Swagger UI: ${b.url}/swagger

  Try it:
    curl -X POST ${a.url}/api/messages -H 'Content-Type: application/json' -d '"Hello, Kafka!"'
    curl ${b.url}/api/messages

  Press Ctrl-C to stop everything.
`);
}

main().catch((error: unknown) => {
  say('ERROR', error instanceof Error ? error.message : String(error));
  if (!(error instanceof PrerequisiteError) && error instanceof Error && error.stack) {
    console.error(error.stack);
  }
  process.exit(1);
});
