// service-a in-process for the tests of its produce routes: the app with a fake publisher and a
// small message limit, the requests those tests send, and a fake outbox for ?async=true.
import request from 'supertest';
import type { AppDeps } from '../../service-a/src/app';
import type { AcceptResult, AsyncProducer } from '../../service-a/src/http/async-produce';
import type { OutgoingMessage } from '../../service-a/src/kafka/message-publisher';
import type { ProduceError } from '../../service-a/src/produce-error';
import { serviceAApp } from './apps';
import { FAKE_TIMESTAMP } from './fake-publisher';

/** The timestamp the fake publisher gives every message. */
export const TIMESTAMP = FAKE_TIMESTAMP;

export const MAX_MESSAGE_BYTES = 1024;

export function setup(deps: Partial<Omit<AppDeps, 'publisher'>> = {}) {
  return serviceAApp({ maxMessageBytes: MAX_MESSAGE_BYTES, ...deps });
}

export function text(message: OutgoingMessage | undefined): string | undefined {
  return message?.value.toString('utf8');
}

export type App = ReturnType<typeof setup>['app'];

export function postMessage(app: App, body = '"hi"') {
  return request(app).post('/api/messages').set('Content-Type', 'application/json').send(body);
}

export function postBatch(app: App, body: unknown) {
  return request(app)
    .post('/api/messages/batch')
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));
}

/** Records what it is given, as the outbox would store it; refuses everything when told to. */
export class FakeAsyncProducer implements AsyncProducer {
  readonly accepted: OutgoingMessage[][] = [];
  refuse: ProduceError | undefined;
  /** The partition count it knows (undefined: not known yet, so none is chosen). */
  partitions: number | undefined = 1;

  async accept(messages: OutgoingMessage[]): Promise<AcceptResult[]> {
    if (this.refuse) throw this.refuse;
    this.accepted.push(messages);
    return messages.map((m) =>
      this.partitions === undefined
        ? { ok: true, queued: { topic: 'message-topic' } }
        : { ok: true, queued: { topic: 'message-topic', partition: m.partition ?? 0 } },
    );
  }
}

export function setupAsync() {
  const asyncProducer = new FakeAsyncProducer();
  return { ...setup({ asyncProducer }), asyncProducer };
}
