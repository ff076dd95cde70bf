// A small keep-alive HTTP client for the calls the bench makes between loads (a peer's consumer
// API: create, subscribe, warm-up polls, latency polls).
import http from 'node:http';

export interface TextResponse {
  status: number;
  text: string;
}

export class KeepAliveClient {
  private readonly agent: http.Agent;

  constructor(connections: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  }

  request(
    method: string,
    url: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<TextResponse> {
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers, agent: this.agent }, (res) => {
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** How many records a JSON batch body holds (each record carries exactly one "offset" member). */
export function countRecords(body: string): number {
  return body.split('"offset":').length - 1;
}
