// `npm start` as a user runs it: the supervisor script in its own process, with its own broker, on
// free ports. A healthy start and stop print no WARN or ERROR line; a second start on taken ports
// starts nothing and says which variables move them; a broker killed under it is announced and
// started again; SIGHUP (a closed terminal) stops everything, leaving no process behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort, isPortFree, repoRoot } from '@kafka-http/local-kafka';
import { registerSchema } from '@test-support/registry';
import { waitFor } from '@test-support/wait';

interface Run {
  child: ChildProcess;
  lines: string[];
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** The supervisor script itself, or (`viaNpm`) `npm start` as typed, npm in between. */
function npmStart(env: Record<string, string>, { viaNpm = false } = {}): Run {
  const root = repoRoot(__dirname);
  const { KAFKA_BROKERS: _ignored, ...inherited } = process.env;
  const options = {
    cwd: root,
    env: { ...inherited, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
  };
  const child = viaNpm
    ? spawn('npm', ['start', '--silent'], options)
    : spawn(
        process.execPath,
        [path.join(root, 'tools', 'local-kafka', 'dist', 'start-all.js')],
        options,
      );
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts);
    });
  }
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, lines, exited };
}

const complaints = (lines: readonly string[]) =>
  lines.filter((line) => / (WARN|ERROR|FATAL) /.test(line) || /\bat .+:\d+:\d+\)?$/.test(line));

/** Processes whose command line mentions `needle` (the broker's JVM names its data folder). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function freePorts() {
  const [kafka, controller, registry, a, b] = [
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
  ];
  return {
    KAFKA_PORT: String(kafka),
    KAFKA_CONTROLLER_PORT: String(controller),
    SCHEMA_REGISTRY_PORT: String(registry),
    SERVICE_A_PORT: String(a),
    SERVICE_B_PORT: String(b),
  };
}

async function roundTrip(ports: Record<string, string>, text: string) {
  const posted = await fetch(`http://127.0.0.1:${ports.SERVICE_A_PORT}/api/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain' },
    body: text,
  });
  if (posted.status !== 200) return false;
  const got = await fetch(`http://127.0.0.1:${ports.SERVICE_B_PORT}/api/messages?waitMs=5000`);
  return got.status === 200 && (await got.text()).includes(text);
}

describe('npm start', () => {
  const dataDirs: string[] = [];
  const runs: Run[] = [];
  const newDataDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'npm-start-'));
    dataDirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const run of runs) {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        run.child.kill('SIGTERM');
        await run.exited;
      }
    }
    for (const dir of dataDirs) {
      for (const pid of processesMentioning(dir)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // One run for the next three tests, in order.
  let first: Run | undefined;
  let ports: Record<string, string> = {};

  it('starts quietly: no WARN, ERROR or stack trace before the banner', async () => {
    ports = await freePorts();
    const run = npmStart({
      ...ports,
      KAFKA_DATA_DIR: newDataDir(),
      SCHEMA_REGISTRY_DATA_DIR: newDataDir(),
    });
    first = run;
    runs.push(run);
    await waitFor('the banner', () => run.lines.some((l) => l.includes('Press Ctrl-C')), {
      timeoutMs: 120_000,
      intervalMs: 200,
    });
    expect(complaints(run.lines)).toEqual([]);
    expect(await roundTrip(ports, 'Hello, Kafka!')).toBe(true);
    // Every response names the process that sent it.
    const health = await fetch(`http://127.0.0.1:${ports.SERVICE_A_PORT}/health/ready`);
    expect(health.headers.get('service-instance-id')).toMatch(/^service-a-[0-9a-f]{12}$/);
    // Its own schema registry: a schema registered there encodes on POST and decodes on GET.
    const registryUrl = `http://127.0.0.1:${ports.SCHEMA_REGISTRY_PORT}/apis/ccompat/v7`;
    expect(run.lines.some((l) => l.includes(registryUrl))).toBe(true);
    const subject = `npm-start-${Date.now()}-value`;
    await registerSchema(subject, { schema: '"string"' }, registryUrl);
    const posted = await fetch(`http://127.0.0.1:${ports.SERVICE_A_PORT}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': `application/vnd.schemaregistry+json; subject=${subject}` },
      body: '"framed"',
    });
    expect(posted.status).toBe(200);
    const got = await fetch(`http://127.0.0.1:${ports.SERVICE_B_PORT}/api/messages?waitMs=5000`, {
      headers: { accept: 'application/json' },
    });
    expect(await got.json()).toMatchObject({ value: 'framed', valueRegistry: { subject } });
  });

  it.each<[string, Record<string, string>]>([
    ['its own broker', { KAFKA_DATA_DIR: '' }],
    ['KAFKA_BROKERS', { KAFKA_BROKERS: '127.0.0.1:1' }],
  ])(
    'refuses a second start on the same ports (with %s) and starts nothing',
    async (_what, extra) => {
      const second = npmStart({
        ...ports,
        ...extra,
        ...(extra.KAFKA_DATA_DIR === '' ? { KAFKA_DATA_DIR: newDataDir() } : {}),
      });
      runs.push(second);
      const [code] = await second.exited;
      const output = second.lines.join('\n');
      expect(code).not.toBe(0);
      expect(output).not.toContain('Press Ctrl-C');
      for (const variable of ['SERVICE_A_PORT', 'SERVICE_B_PORT', 'KAFKA_PORT']) {
        expect(output).toContain(variable);
      }
      expect(output).toContain('Another `npm start` may be running');
      expect(output).not.toMatch(/starting it again/);
      // The first run is untouched by the attempt.
      expect(await roundTrip(ports, 'still here')).toBe(true);
    },
  );

  it('stops quietly on Ctrl-C', async () => {
    const run = first as Run;
    const before = run.lines.length;
    run.child.kill('SIGINT');
    const [code] = await run.exited;
    expect(code).toBe(0);
    expect(complaints(run.lines.slice(before))).toEqual([]);
  });

  it('restarts a broker that was killed, and stops everything on SIGHUP', async () => {
    // (Its own deadline: the broker restart and the services' recovery take up to a minute.)
    const ports = await freePorts();
    const dataDir = newDataDir();
    const run = npmStart({ ...ports, KAFKA_DATA_DIR: dataDir });
    runs.push(run);
    await waitFor('the banner', () => run.lines.some((l) => l.includes('Press Ctrl-C')), {
      timeoutMs: 120_000,
      intervalMs: 200,
    });
    const [jvm] = processesMentioning(dataDir);
    expect(jvm).toBeDefined();
    const beforeKill = run.lines.length;
    process.kill(jvm as number, 'SIGKILL');

    await waitFor(
      'the broker exit announced',
      () => run.lines.some((l) => /WARN .*The Kafka broker exited \(SIGKILL\)/.test(l)),
      { timeoutMs: 10_000 },
    );
    await waitFor('a message round trip through the new broker', () => roundTrip(ports, 'after'), {
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    expect(processesMentioning(dataDir)).toHaveLength(1);
    // The outage is told in a few lines: warnings, no errors, no stack traces.
    const outage = run.lines.slice(beforeKill);
    const warnings = outage.filter((l) => / WARN /.test(l));
    console.log(
      `npm start, broker SIGKILLed and restarted: ${outage.length} lines, ${warnings.length} WARN`,
    );
    expect(outage.filter((l) => / (ERROR|FATAL) /.test(l))).toEqual([]);
    expect(outage.filter((l) => /\bat .+:\d+:\d+\)?$|\\n +at /.test(l))).toEqual([]);
    expect(warnings.length).toBeLessThan(30);

    run.child.kill('SIGHUP');
    await run.exited;
    expect(processesMentioning(dataDir)).toEqual([]);
    for (const port of Object.values(ports)) expect(await isPortFree(Number(port))).toBe(true);
  }, 240_000);

  it('leaves nothing behind when npm itself is hung up (npm does not pass SIGHUP on)', async () => {
    const ports = await freePorts();
    const dataDir = newDataDir();
    const run = npmStart({ ...ports, KAFKA_DATA_DIR: dataDir }, { viaNpm: true });
    runs.push(run);
    await waitFor('the banner', () => run.lines.some((l) => l.includes('Press Ctrl-C')), {
      timeoutMs: 120_000,
      intervalMs: 200,
    });
    run.child.kill('SIGHUP');
    await run.exited;
    await waitFor(
      'every process of the run gone and every port free',
      async () => {
        if (processesMentioning(dataDir).length > 0) return false;
        for (const port of Object.values(ports))
          if (!(await isPortFree(Number(port)))) return false;
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  }, 200_000);
});
