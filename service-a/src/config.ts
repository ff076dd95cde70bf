// service-a's configuration: the shared settings plus how long a produce may take.
import { integer, readEnv, sharedSettings, type ConfigOf, type Env } from '@kafka-http/common';

export const serviceASettings = {
  ...sharedSettings({ port: 5101, clientId: 'service-a' }),
  /** Longest a POST waits for Kafka's acknowledgement before answering 503. */
  PRODUCE_TIMEOUT_MS: integer(5000, { min: 100, max: 120_000 }),
};

export type ServiceAConfig = ConfigOf<typeof serviceASettings>;

export function loadConfig(env: Env = process.env): ServiceAConfig {
  return readEnv(serviceASettings, env);
}
