// The reachability verdict, against loopback listeners that answer an ApiVersions request the way
// a broker frames it (size, then the correlation id), stay silent, or are not there at all.
import net, { type AddressInfo } from 'node:net';
import pino from 'pino';
import { KafkaReachability } from '../../src/kafka-reachability';

const logger = pino({ level: 'silent' });

/** A listener that answers each request with the frame header a broker would send. */
async function listener(mode: 'answer' | 'silent'): Promise<{ address: string; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (request: Buffer) => {
      if (mode === 'silent' || request.length < 12) return;
      const answer = Buffer.alloc(8);
      answer.writeInt32BE(4, 0);
      answer.writeInt32BE(request.readInt32BE(8), 4);
      socket.write(answer);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<string> {
  const { address, close } = await listener('answer');
  close();
  return address;
}

describe('KafkaReachability', () => {
  it('is reachable while any one broker answers', async () => {
    const alive = await listener('answer');
    const monitor = new KafkaReachability({ brokers: [await closedPort(), alive.address], logger });
    try {
      expect(await monitor.probeNow()).toBe(true);
      expect(monitor.isReachable()).toBe(true);
      expect(monitor.status().reachable).toBe(true);
    } finally {
      monitor.stop();
      alive.close();
    }
  });

  it('turns unreachable only after the configured number of silent rounds, then recovers', async () => {
    const silent = await listener('silent');
    const monitor = new KafkaReachability({
      brokers: [silent.address],
      logger,
      timeoutMs: 100,
      failedRoundsBeforeUnreachable: 2,
    });
    const alive = await listener('answer');
    const changes: boolean[] = [];
    monitor.on('change', (reachable: boolean) => changes.push(reachable));
    try {
      // Not reachable before the first answer: nothing is known yet.
      expect(await monitor.probeNow()).toBe(false);
      expect(monitor.isReachable()).toBe(false);
      expect(monitor.status().lastError).toMatch(/no answer within 100 ms/);

      const answering = new KafkaReachability({
        brokers: [alive.address],
        logger,
        timeoutMs: 100,
        failedRoundsBeforeUnreachable: 2,
      });
      answering.on('change', (reachable: boolean) => changes.push(reachable));
      expect(await answering.probeNow()).toBe(true);
      alive.close();
      // One failed round is tolerated; the second makes it unreachable.
      expect(await answering.probeNow()).toBe(false);
      expect(answering.isReachable()).toBe(true);
      expect(await answering.probeNow()).toBe(false);
      expect(answering.isReachable()).toBe(false);
      expect(answering.status().lastError).toMatch(/ECONNREFUSED/);
      answering.stop();
      expect(changes).toEqual([false, true, false]);
    } finally {
      monitor.stop();
      silent.close();
    }
  });

  it('keeps probing the brokers discovery found after the seed broker died', async () => {
    const seed = await listener('answer');
    const other = await listener('answer');
    const monitor = new KafkaReachability({
      brokers: [seed.address],
      logger,
      timeoutMs: 100,
      failedRoundsBeforeUnreachable: 1,
      discover: () => Promise.resolve([seed.address, other.address]),
    });
    try {
      expect(await monitor.probeNow()).toBe(true);
      expect(monitor.status().brokers).toEqual([seed.address, other.address]);
      seed.close();
      expect(await monitor.probeNow()).toBe(true);
      other.close();
      expect(await monitor.probeNow()).toBe(false);
      expect(monitor.isReachable()).toBe(false);
    } finally {
      monitor.stop();
    }
  });
});
