// The decisions of `npm start` that need no process: its ports, what a clash says, when a child
// that keeps exiting is given up on.
import { findFreePort } from '../../src/free-port';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { neededPorts, portClashMessage, portsInUse, RestartBudget } from '../../src/supervision';

describe('neededPorts', () => {
  it('needs the broker ports only when it starts the broker', () => {
    expect(neededPorts({}).map((p) => [p.variable, p.port])).toEqual([
      ['KAFKA_PORT', 9092],
      ['KAFKA_CONTROLLER_PORT', 9093],
      ['SCHEMA_REGISTRY_PORT', 8081],
      ['SERVICE_A_PORT', 5101],
      ['SERVICE_B_PORT', 5102],
    ]);
    expect(neededPorts({ KAFKA_BROKERS: 'kafka:9092' }).map((p) => p.variable)).toEqual([
      'SCHEMA_REGISTRY_PORT',
      'SERVICE_A_PORT',
      'SERVICE_B_PORT',
    ]);
    // A registry of one's own, or none at all: no registry port.
    for (const url of ['http://registry:8081', 'off']) {
      expect(
        neededPorts({ KAFKA_BROKERS: 'kafka:9092', SCHEMA_REGISTRY_URL: url }).map(
          (p) => p.variable,
        ),
      ).toEqual(['SERVICE_A_PORT', 'SERVICE_B_PORT']);
    }
    expect(
      neededPorts({ KAFKA_PORT: '19092' })
        .map((p) => p.port)
        .slice(0, 2),
    ).toEqual([19092, 19093]);
  });

  it('refuses a port that is not a number, and two users of one port', () => {
    expect(() => neededPorts({ SERVICE_A_PORT: 'abc' })).toThrow(/SERVICE_A_PORT must be a port/);
    expect(() => neededPorts({ SERVICE_A_PORT: '5102' })).toThrow(
      /SERVICE_A_PORT and SERVICE_B_PORT are both 5102/,
    );
  });
});

describe('portsInUse', () => {
  let server: Server;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('names the ports something listens on, and only those', async () => {
    const busy = (server.address() as AddressInfo).port;
    const ports = neededPorts({
      KAFKA_BROKERS: 'x:1',
      SCHEMA_REGISTRY_URL: 'off',
      SERVICE_A_PORT: String(busy),
      SERVICE_B_PORT: String(await findFreePort()),
    });
    const taken = await portsInUse(ports);
    expect(taken.map((p) => p.variable)).toEqual(['SERVICE_A_PORT']);
    const message = portClashMessage(taken);
    expect(message).toContain(`${busy} (service-a, SERVICE_A_PORT) is already in use`);
    for (const variable of ['KAFKA_PORT', 'SERVICE_A_PORT', 'SERVICE_B_PORT']) {
      expect(message).toContain(variable);
    }
    expect(message).toContain('Another `npm start` may be running');
  });
});

describe('RestartBudget', () => {
  it('allows `limit` exits within the window, then gives up; old exits age out', () => {
    let clock = 0;
    const budget = new RestartBudget(2, 60_000, () => clock);
    expect(budget.record()).toBe(true);
    clock += 1000;
    expect(budget.record()).toBe(true);
    clock += 1000;
    expect(budget.record()).toBe(false);
    clock += 60_000;
    expect(budget.record()).toBe(true);
  });
});
