// The pieces of `npm start` that decide, without starting anything: which ports it needs and
// whether they are free, how a child's log line is shown, and when a child that keeps exiting
// should be given up on.
import { isPortFree } from './free-port';

/**
 * The exit code of a service that could not listen because its port is taken (see
 * common/src/process-lifecycle.ts). Starting it again would fail the same way.
 */
export const EXIT_PORT_IN_USE = 3;

export interface NeededPort {
  /** Who needs it, e.g. "service-a". */
  owner: string;
  /** The environment variable that moves it. */
  variable: string;
  port: number;
}

/** The ports a run needs, from the environment: the broker's only when it starts its own. */
export function neededPorts(env: NodeJS.ProcessEnv): NeededPort[] {
  const read = (variable: string, fallback: number): NeededPort['port'] => {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') return fallback;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new Error(`${variable} must be a port number from 1 to 65535, got "${raw}"`);
    }
    return port;
  };
  const kafkaPort = read('KAFKA_PORT', 9092);
  const kafka: NeededPort[] = env.KAFKA_BROKERS
    ? []
    : [
        { owner: 'Kafka', variable: 'KAFKA_PORT', port: kafkaPort },
        {
          owner: 'the Kafka controller',
          variable: 'KAFKA_CONTROLLER_PORT',
          port: read('KAFKA_CONTROLLER_PORT', kafkaPort + 1),
        },
      ];
  // A registry of its own unless SCHEMA_REGISTRY_URL names one (`off`: none at all).
  const registry: NeededPort[] = env.SCHEMA_REGISTRY_URL
    ? []
    : [
        {
          owner: 'the schema registry',
          variable: 'SCHEMA_REGISTRY_PORT',
          port: read('SCHEMA_REGISTRY_PORT', 8081),
        },
      ];
  const ports = [
    ...kafka,
    ...registry,
    { owner: 'service-a', variable: 'SERVICE_A_PORT', port: read('SERVICE_A_PORT', 5101) },
    { owner: 'service-b', variable: 'SERVICE_B_PORT', port: read('SERVICE_B_PORT', 5102) },
  ];
  const seen = new Map<number, NeededPort>();
  for (const needed of ports) {
    const other = seen.get(needed.port);
    if (other) {
      throw new Error(
        `${other.variable} and ${needed.variable} are both ${needed.port}: each needs a port of its own`,
      );
    }
    seen.set(needed.port, needed);
  }
  return ports;
}

export async function portsInUse(ports: readonly NeededPort[]): Promise<NeededPort[]> {
  const free = await Promise.all(ports.map((p) => isPortFree(p.port)));
  return ports.filter((_, i) => !free[i]);
}

/** What to tell a user whose ports are taken, naming every variable that moves one. */
export function portClashMessage(taken: readonly NeededPort[]): string {
  const list = taken.map((p) => `${p.port} (${p.owner}, ${p.variable})`).join(', ');
  return [
    `Port${taken.length > 1 ? 's' : ''} ${list} ${taken.length > 1 ? 'are' : 'is'} already in use, so nothing was started.`,
    'Another `npm start` may be running: stop it (Ctrl-C in its terminal), or choose other ports',
    'with KAFKA_PORT, KAFKA_CONTROLLER_PORT, SCHEMA_REGISTRY_PORT, SERVICE_A_PORT and SERVICE_B_PORT',
    '(set KAFKA_BROKERS or SCHEMA_REGISTRY_URL to use a Kafka or registry that is already running).',
  ].join('\n');
}

/**
 * Counts exits in a sliding window: `record()` is false once a child exited more than `limit`
 * times within `windowMs`, the point where restarting it again only hides a fault.
 */
export class RestartBudget {
  private readonly exits: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  record(): boolean {
    const at = this.now();
    this.exits.push(at);
    while ((this.exits[0] ?? Infinity) <= at - this.windowMs) this.exits.shift();
    return this.exits.length <= this.limit;
  }
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
