// TLS listeners for the local broker, beside its PLAINTEXT one: SSL, or SASL_SSL with SCRAM, each
// with its own keystore (so one broker can also offer, say, an expired certificate on another
// port). For testing the services' TLS settings against a real broker; the broker's own traffic
// (controller, readiness checks) stays PLAINTEXT, and clients are not asked for certificates.
import { findFreePort } from './free-port';
import type { LocalKafkaOptions } from './local-broker';
import { scramFormatArgs, type ScramUser } from './scram';
import type { BrokerKeystore } from './test-certificates';

export interface TlsListenerSpec {
  /** The broker's key and certificate for this listener. */
  keystore: BrokerKeystore;
  /** SASL_SSL with SCRAM-SHA-256 and -512 instead of plain SSL. */
  scram?: boolean;
  /** A free port when omitted. */
  port?: number;
}

/**
 * Options for startLocalKafka adding one listener per entry of `listeners` (keys are listener
 * names: upper-case letters, digits and `_`, e.g. `SSL`, `SASL_SSL`, `EXPIRED`), and creating
 * `users` for the SCRAM ones. `addresses` maps each name to its `127.0.0.1:port`.
 */
export async function tlsListeners(
  listeners: Record<string, TlsListenerSpec>,
  {
    users = [],
    port,
    controllerPort,
  }: { users?: readonly ScramUser[]; port?: number; controllerPort?: number } = {},
): Promise<
  Pick<LocalKafkaOptions, 'port' | 'controllerPort' | 'serverProperties' | 'formatArgs'> & {
    addresses: Record<string, string>;
  }
> {
  const entries = Object.entries(listeners);
  for (const [name] of entries) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name) || name === 'PLAINTEXT' || name === 'CONTROLLER') {
      throw new Error(
        `"${name}" cannot name a TLS listener: use upper-case letters, digits and "_", other than PLAINTEXT and CONTROLLER.`,
      );
    }
  }
  const client = port ?? (await findFreePort());
  const controller = controllerPort ?? (await findFreePort());
  const addresses: Record<string, string> = {};
  const properties: Record<string, string> = {};
  const protocols = ['CONTROLLER:PLAINTEXT', 'PLAINTEXT:PLAINTEXT'];
  const loginModule = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  let anyScram = false;
  for (const [name, spec] of entries) {
    addresses[name] = `127.0.0.1:${spec.port ?? (await findFreePort())}`;
    protocols.push(`${name}:${spec.scram ? 'SASL_SSL' : 'SSL'}`);
    const prefix = `listener.name.${name.toLowerCase()}`;
    properties[`${prefix}.ssl.keystore.type`] = 'PKCS12';
    properties[`${prefix}.ssl.keystore.location`] = spec.keystore.file;
    properties[`${prefix}.ssl.keystore.password`] = spec.keystore.password;
    properties[`${prefix}.ssl.client.auth`] = 'none';
    if (spec.scram) {
      anyScram = true;
      properties[`${prefix}.sasl.enabled.mechanisms`] = 'SCRAM-SHA-256,SCRAM-SHA-512';
      properties[`${prefix}.scram-sha-256.sasl.jaas.config`] = loginModule;
      properties[`${prefix}.scram-sha-512.sasl.jaas.config`] = loginModule;
    }
  }
  const extra = entries.map(([name]) => `${name}://${addresses[name]}`);
  return {
    port: client,
    controllerPort: controller,
    addresses,
    serverProperties: {
      listeners: [
        `PLAINTEXT://127.0.0.1:${client}`,
        `CONTROLLER://127.0.0.1:${controller}`,
        ...extra,
      ].join(','),
      'advertised.listeners': [`PLAINTEXT://127.0.0.1:${client}`, ...extra].join(','),
      'listener.security.protocol.map': protocols.join(','),
      ...(anyScram ? { 'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512' } : {}),
      ...properties,
    },
    formatArgs: anyScram ? scramFormatArgs(users) : [],
  };
}
