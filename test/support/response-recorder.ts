// Sees every response an in-process service writes: its status, Content-Type and (for JSON) its
// body, together with the OpenAPI document of the app that served it (`app.locals.apiDocument`).
// It wraps `ServerResponse.prototype.write` and `end` once per process; node:http is shared by
// every test file of a Jest worker, so the listener is kept on the module and replaced per file.
import http, { type ServerResponse } from 'node:http';
import { isJsonMediaType, mediaTypeOf, type ObservedResponse } from './response-contract';

type Listener = (response: ObservedResponse, document: object) => void;

const STATE = Symbol.for('kafka-http.response-recorder');
/** A body larger than this is not kept (nor checked beyond its status and type). */
const MAX_KEPT_BYTES = 8 * 1024 * 1024;

interface Recorder {
  listener?: Listener;
}
interface Kept {
  chunks: Buffer[];
  bytes: number;
  overflow: boolean;
  reported: boolean;
}
type Tracked = ServerResponse & { [STATE]?: Kept };
type Request = http.IncomingMessage & {
  app?: { locals?: { apiDocument?: object } };
  originalUrl?: string;
};

/** Calls `listener` with every response written from now on by an app that has a document. */
export function onEveryResponse(listener: Listener | undefined): void {
  const module = http as unknown as { [STATE]?: Recorder };
  const recorder = (module[STATE] ??= install());
  recorder.listener = listener;
}

function install(): Recorder {
  const recorder: Recorder = {};
  const proto = http.ServerResponse.prototype as unknown as {
    write: (...args: unknown[]) => boolean;
    end: (...args: unknown[]) => unknown;
  };
  const { write, end } = proto;
  proto.write = function (this: Tracked, ...args: unknown[]) {
    keep(this, args[0], args[1]);
    return write.apply(this, args);
  };
  proto.end = function (this: Tracked, ...args: unknown[]) {
    if (typeof args[0] !== 'function') keep(this, args[0], args[1]);
    const result = end.apply(this, args);
    report(this, recorder);
    return result;
  };
  return recorder;
}

function documentOf(res: ServerResponse): object | undefined {
  return (res.req as Request | undefined)?.app?.locals?.apiDocument;
}

function keep(res: Tracked, chunk: unknown, encoding: unknown): void {
  if (chunk === undefined || chunk === null || !documentOf(res)) return;
  const type = String(res.getHeader('content-type') ?? '');
  if (!isJsonMediaType(mediaTypeOf(type))) return;
  const kept = (res[STATE] ??= { chunks: [], bytes: 0, overflow: false, reported: false });
  if (kept.overflow) return;
  const buffer =
    typeof chunk === 'string'
      ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
      : Buffer.from(chunk as Uint8Array);
  kept.bytes += buffer.length;
  if (kept.bytes > MAX_KEPT_BYTES) {
    kept.overflow = true;
    kept.chunks = [];
  } else {
    kept.chunks.push(buffer);
  }
}

function report(res: Tracked, recorder: Recorder): void {
  const document = documentOf(res);
  if (!document || !recorder.listener) return;
  const kept = (res[STATE] ??= { chunks: [], bytes: 0, overflow: false, reported: false });
  if (kept.reported) return;
  kept.reported = true;
  const req = res.req as Request;
  const contentType = res.getHeader('content-type');
  recorder.listener(
    {
      method: req.method ?? 'GET',
      url: req.originalUrl ?? req.url ?? '/',
      status: res.statusCode,
      contentType: contentType === undefined ? undefined : String(contentType),
      body: kept.overflow ? undefined : Buffer.concat(kept.chunks),
    },
    document,
  );
}
