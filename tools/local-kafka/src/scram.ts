// A SASL/SCRAM listener for the local broker, beside its PLAINTEXT one: for testing the services'
// Kafka authentication settings against a real broker. Users are created when the data folder is
// formatted (Kafka keeps SCRAM credentials in its KRaft metadata).
import { findFreePort } from './free-port';
import type { LocalKafkaOptions } from './local-broker';

export interface ScramUser {
  username: string;
  password: string;
}

/**
 * Options for startLocalKafka that add a SASL_PLAINTEXT listener with SCRAM-SHA-256 and -512 on
 * `saslPort`, and create `users` with both mechanisms. The broker's own traffic stays PLAINTEXT.
 */
export async function scramListener(
  users: ScramUser[],
  {
    port,
    controllerPort,
    saslPort,
  }: { port?: number; controllerPort?: number; saslPort?: number } = {},
): Promise<
  Pick<LocalKafkaOptions, 'port' | 'controllerPort' | 'serverProperties' | 'formatArgs'> & {
    saslBrokers: string;
  }
> {
  const client = port ?? (await findFreePort());
  const controller = controllerPort ?? (await findFreePort());
  const sasl = saslPort ?? (await findFreePort());
  const loginModule = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  return {
    port: client,
    controllerPort: controller,
    saslBrokers: `127.0.0.1:${sasl}`,
    serverProperties: {
      listeners: `PLAINTEXT://127.0.0.1:${client},CONTROLLER://127.0.0.1:${controller},SASL_PLAINTEXT://127.0.0.1:${sasl}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${client},SASL_PLAINTEXT://127.0.0.1:${sasl}`,
      'listener.security.protocol.map':
        'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': loginModule,
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': loginModule,
    },
    formatArgs: scramFormatArgs(users),
  };
}

/** `kafka-storage format` arguments that create `users` with SCRAM-SHA-256 and -512. */
export function scramFormatArgs(users: readonly ScramUser[]): string[] {
  return users.flatMap(({ username, password }) =>
    ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => [
      '--add-scram',
      `${mechanism}=[name=${username},password=${password}]`,
    ]),
  );
}
