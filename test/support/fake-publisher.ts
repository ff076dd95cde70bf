// service-a's publisher without Kafka, for unit tests of the HTTP layer: it records what it is
// given, answers consecutive offsets, and fails what it is told to.
import type {
  MessagePublisher,
  OutgoingMessage,
  PublishedMessage,
  PublishResult,
} from '../../service-a/src/kafka/message-publisher';
import { ProduceError } from '../../service-a/src/produce-error';

export const FAKE_TIMESTAMP = '2025-01-02T03:04:05.678Z';

export class FakePublisher implements MessagePublisher {
  readonly topic = 'message-topic';
  /** Every message of publish() and publishMany(), in order. */
  readonly messages: OutgoingMessage[] = [];
  /** One entry per publishMany() call. */
  readonly manyCalls: OutgoingMessage[][] = [];
  publishCalls = 0;
  ready = true;
  /** When set, publish() rejects with it, and publishMany() fails every message with it. */
  failWith: unknown;
  /** An error for the messages publishMany() should fail, undefined for the others. */
  failMessage: (message: OutgoingMessage) => ProduceError | undefined = () => undefined;
  /** When set, where every message lands instead of consecutive offsets on its partition. */
  answer: PublishedMessage | undefined;
  private nextOffset = 0;

  isReady(): boolean {
    return this.ready;
  }

  async publish(message: OutgoingMessage): Promise<PublishedMessage> {
    this.publishCalls++;
    this.messages.push(message);
    if (this.failWith !== undefined) throw this.failWith;
    return this.land(message);
  }

  async publishMany(messages: OutgoingMessage[]): Promise<PublishResult[]> {
    this.manyCalls.push([...messages]);
    this.messages.push(...messages);
    return messages.map((message): PublishResult => {
      if (this.failWith !== undefined && !(this.failWith instanceof ProduceError)) {
        throw this.failWith;
      }
      const error =
        this.failWith instanceof ProduceError ? this.failWith : this.failMessage(message);
      return error ? { ok: false, error } : { ok: true, published: this.land(message) };
    });
  }

  private land(message: OutgoingMessage): PublishedMessage {
    return (
      this.answer ?? {
        topic: this.topic,
        partition: message.partition ?? 0,
        offset: String(this.nextOffset++),
        timestamp: FAKE_TIMESTAMP,
      }
    );
  }
}
