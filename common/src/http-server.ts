// Starts an Express app on a port and stops it gracefully: no new connections, in-flight requests
// finish (up to a deadline), idle keep-alive connections are closed at once.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface RunningServer {
  server: Server;
  /** The port actually bound (useful with port 0). */
  port: number;
  url: string;
  close(deadlineMs?: number): Promise<void>;
}

export async function startHttpServer(
  app: Express,
  { port, host, maxHeaderBytes }: { port: number; host: string; maxHeaderBytes?: number },
): Promise<RunningServer> {
  // Requests whose header section exceeds maxHeaderBytes are refused by Node with 431.
  const server = createServer({ maxHeaderSize: maxHeaderBytes }, app);
  // Requests Node rejects before Express sees them still get problem+json, not a bare status.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const title = tooLarge ? 'Request Header Fields Too Large' : 'Bad Request';
    socket.end(
      rawProblem(
        status,
        title,
        tooLarge ? 'The request headers are too large.' : 'The request is not valid HTTP.',
      ),
    );
  });
  server.on('checkExpectation', (_req, res) => {
    const body = JSON.stringify({
      type: 'about:blank',
      title: 'Expectation Failed',
      status: 417,
      detail: 'Only "Expect: 100-continue" is supported.',
    });
    res.writeHead(417, {
      'Content-Type': 'application/problem+json',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  server.listen(port, host);
  await once(server, 'listening');
  // Keep-alive a little longer than common load balancers so they close first, not us mid-request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  let closing: Promise<void> | undefined;
  return {
    server,
    port: bound,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${bound}`,
    close(deadlineMs = 10_000) {
      closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), deadlineMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

function rawProblem(status: number, title: string, detail: string): string {
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  return `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}
