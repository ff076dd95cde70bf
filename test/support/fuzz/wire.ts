// The fuzz's HTTP client: one request exactly as it goes on the wire (node:http, so odd headers
// and bytes reach the server as written), and what came back.
import http from 'node:http';

/** One request exactly as it goes on the wire (header values are latin1, as HTTP's are). */
export interface FuzzRequest {
  method: string;
  /** Path and query string as sent: nothing is encoded beyond what the generator chose. */
  target: string;
  headers: [string, string][];
  body: Buffer | undefined;
  /** Send the body with Transfer-Encoding: chunked instead of a Content-Length. */
  chunked: boolean;
  /** The body before its Content-Encoding, for reports. */
  plain?: Buffer;
}

export interface FuzzResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type Outcome =
  | { kind: 'response'; response: FuzzResponse }
  | { kind: 'refused-by-client'; code: string }
  | { kind: 'network-error'; code: string }
  | { kind: 'no-answer'; afterMs: number };

/** Errors Node's client raises for a request it will not send (invalid header name or value...). */
const CLIENT_REFUSALS = new Set([
  'ERR_INVALID_CHAR',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_UNESCAPED_CHARACTERS',
  'ERR_HTTP_INVALID_HEADER_VALUE',
  'ERR_INVALID_ARG_VALUE',
]);

/**
 * Sends one request on its own connection and reads the whole answer. An event stream never ends:
 * its head is the answer, and the connection is closed at once. The connection is keep-alive, as
 * real clients' are: a server answering before it read the body then reads the rest instead of
 * closing on it (with Connection: close the client may see a reset instead of the answer). It is
 * closed once the answer is in.
 */
export function send(port: number, request: FuzzRequest, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of request.headers) {
      const seen = headers[name];
      headers[name] = seen === undefined ? value : [seen, value].flat();
    }
    if (request.body !== undefined) {
      if (request.chunked) headers['Transfer-Encoding'] = 'chunked';
      else headers['Content-Length'] = String(request.body.length);
    }
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let req: http.ClientRequest;
    try {
      req = http.request({
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.target,
        headers,
        agent,
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? String(error);
      if (!CLIENT_REFUSALS.has(code)) throw error;
      resolve({ kind: 'refused-by-client', code });
      return;
    }
    const started = Date.now();
    const timer = setTimeout(() => {
      finish({ kind: 'no-answer', afterMs: Date.now() - started });
      req.destroy();
    }, timeoutMs);
    let settled = false;
    function finish(outcome: Outcome): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      agent.destroy();
      resolve(outcome);
    }
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish({ kind: 'network-error', code: error.code ?? error.message }),
    );
    req.on('response', (res) => {
      const head = { status: res.statusCode ?? 0, headers: res.headers };
      if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        finish({ kind: 'response', response: { ...head, body: Buffer.alloc(0) } });
        req.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        finish({ kind: 'response', response: { ...head, body: Buffer.concat(chunks) } }),
      );
      res.on('error', (error: NodeJS.ErrnoException) =>
        finish({ kind: 'network-error', code: error.code ?? error.message }),
      );
    });
    req.end(request.body);
  });
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------
