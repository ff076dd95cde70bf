// How the services recognise a broker certificate they reject (KafkaTlsError, one sentence naming
// the setting to fix) and a CA file they cannot use. The KafkaJS errors are real ones: a KafkaJS
// client connects to a local TLS server (no Kafka needed, the handshake fails first).
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createServer, type Server } from 'node:tls';
import { Kafka, KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, logLevel } from 'kafkajs';
import { makeTestCertificates, type TestCertificates } from '@kafka-http/local-kafka';
import {
  checkKafkaSecurity,
  ConfigError,
  createKafkaClient,
  createLogger,
  KafkaAuthenticationError,
  kafkaFromConfig,
  kafkaTlsError,
  KafkaTlsError,
  readCaFile,
  retryUntilStopped,
} from '@kafka-http/common';

const logger = createLogger({ name: 'test', level: 'silent' });

/** Sentence ends: a full stop, ! or ? followed by whitespace or the end of the text. */
function sentenceCount(text: string): number {
  return (text.match(/[.!?](?=\s|$)/g) ?? []).length;
}

function connectionError(code: string, message: string): KafkaJSNumberOfRetriesExceeded {
  const inner = new KafkaJSConnectionError(`Connection error: ${message}`, {
    broker: '127.0.0.1:9093',
    code,
  } as { broker: string });
  return new KafkaJSNumberOfRetriesExceeded(inner, { retryCount: 5, retryTime: 1000 });
}

describe('kafkaTlsError', () => {
  it.each([
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate'],
  ])('reads %s as a certificate not signed by the configured CA', (code, message) => {
    const error = kafkaTlsError(connectionError(code, message), { caFile: '/etc/kafka/ca.pem' });
    expect(error).toBeInstanceOf(KafkaTlsError);
    expect(error?.code).toBe(code);
    expect(error?.message).toBe(
      `Kafka's TLS certificate is not signed by the CA in KAFKA_SSL_CA_FILE (/etc/kafka/ca.pem): ${message} (${code}, broker 127.0.0.1:9093)`,
    );
  });

  it('says to set KAFKA_SSL_CA_FILE when the system CAs were used', () => {
    const error = kafkaTlsError(
      connectionError(
        'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
        'unable to get local issuer certificate',
      ),
    );
    expect(error?.message).toMatch(
      /^Kafka's TLS certificate is not signed by a CA this system trusts \(set KAFKA_SSL_CA_FILE to the PEM file of the CA that signed it\): /,
    );
  });

  it.each([
    ['CERT_HAS_EXPIRED', 'certificate has expired', "Kafka's TLS certificate has expired"],
    [
      'CERT_NOT_YET_VALID',
      'certificate is not yet valid',
      "Kafka's TLS certificate is not valid yet",
    ],
    [
      'ERR_TLS_CERT_ALTNAME_INVALID',
      "Hostname/IP does not match certificate's altnames: IP: 127.0.0.2 is not in the cert's list: 127.0.0.1",
      "Kafka's TLS certificate does not name the host in KAFKA_BROKERS",
    ],
  ])('reads %s as one sentence', (code, message, start) => {
    const error = kafkaTlsError(connectionError(code, message), { caFile: '/ca.pem' });
    expect(error?.message.startsWith(start)).toBe(true);
    expect(error?.message).toContain(`${message} (${code}, broker 127.0.0.1:9093)`);
    expect(error?.message).not.toContain('Connection error');
    expect(sentenceCount(error?.message ?? '')).toBe(0);
    expect(error?.message).not.toContain('\n');
  });

  it('finds the code however deep KafkaJS wrapped it (cause or originalError)', () => {
    const deep = { name: 'KafkaJSError', originalError: connectionError('CERT_HAS_EXPIRED', 'x') };
    expect(kafkaTlsError(deep)?.code).toBe('CERT_HAS_EXPIRED');
  });

  it.each([
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9093'],
    [
      'ECONNRESET',
      'Client network socket disconnected before secure TLS connection was established',
    ],
    ['ETIMEDOUT', 'timeout'],
  ])('leaves %s alone: the broker may come back', (code, message) => {
    expect(kafkaTlsError(connectionError(code, message))).toBeUndefined();
  });

  it('leaves errors without a code, and non-errors, alone', () => {
    expect(kafkaTlsError(new Error('boom'))).toBeUndefined();
    expect(kafkaTlsError(undefined)).toBeUndefined();
    expect(kafkaTlsError('CERT_HAS_EXPIRED')).toBeUndefined();
    const loop: { code?: string; cause?: unknown } = {};
    loop.cause = loop;
    expect(kafkaTlsError(loop)).toBeUndefined();
  });
});

describe('a KafkaJS client against a TLS server', () => {
  let dir = '';
  let certs: TestCertificates;
  const servers: Server[] = [];
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kafka-tls-unit-'));
    certs = makeTestCertificates(path.join(dir, 'certs'));
  });
  afterAll(async () => {
    await Promise.all(
      servers.map((server) => new Promise((resolve) => server.close(() => resolve(undefined)))),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  /** A TLS server that completes handshakes and then hangs up (it speaks no Kafka). */
  async function tlsServer(keystore: { file: string; password: string }) {
    const server = createServer(
      { pfx: readFileSync(keystore.file), passphrase: keystore.password },
      (socket) => socket.destroy(),
    );
    server.on('tlsClientError', () => undefined);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
    return { server, broker: `127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  /** What KafkaJS (no retries) throws when connecting to `broker` trusting `caFile`. */
  async function connectError(broker: string, caFile: string): Promise<unknown> {
    const admin = new Kafka({
      brokers: [broker],
      clientId: 'tls-unit',
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2000,
      retry: { retries: 0 },
      ssl: { ca: [readFileSync(caFile, 'utf8')], rejectUnauthorized: true },
    }).admin();
    try {
      await admin.connect();
      return undefined;
    } catch (error) {
      return error;
    } finally {
      await admin.disconnect();
    }
  }

  it('names the CA file when the broker certificate is signed by another CA', async () => {
    const { broker } = await tlsServer(certs.keystore);
    const error = kafkaTlsError(await connectError(broker, certs.otherCaFile), {
      caFile: certs.otherCaFile,
    });
    expect(error?.message).toBe(
      `Kafka's TLS certificate is not signed by the CA in KAFKA_SSL_CA_FILE (${certs.otherCaFile}): self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN, broker ${broker})`,
    );
  });

  it('says the certificate has expired', async () => {
    const { broker } = await tlsServer(certs.expiredKeystore);
    const error = kafkaTlsError(await connectError(broker, certs.caFile), {
      caFile: certs.caFile,
    });
    expect(error?.code).toBe('CERT_HAS_EXPIRED');
    expect(error?.message).toBe(
      `Kafka's TLS certificate has expired (the brokers in KAFKA_BROKERS need a renewed certificate): certificate has expired (CERT_HAS_EXPIRED, broker ${broker})`,
    );
  });

  it('says the certificate does not name the host it was reached at', async () => {
    const elsewhere = makeTestCertificates(path.join(dir, 'elsewhere'), {
      hosts: ['kafka.invalid'],
    });
    const { broker } = await tlsServer(elsewhere.keystore);
    const error = kafkaTlsError(await connectError(broker, elsewhere.caFile), {
      caFile: elsewhere.caFile,
    });
    expect(error?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(error?.message).toBe(
      `Kafka's TLS certificate does not name the host in KAFKA_BROKERS (use a host name or address the certificate lists): Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list:  (ERR_TLS_CERT_ALTNAME_INVALID, broker ${broker})`,
    );
  });

  it('finds nothing to report once the handshake succeeds', async () => {
    const { server, broker } = await tlsServer(certs.keystore);
    const handshake = once(server, 'secureConnection');
    const error = await connectError(broker, certs.caFile);
    await handshake;
    expect(error).toBeInstanceOf(Error); // the server hung up: no Kafka there
    expect(kafkaTlsError(error, { caFile: certs.caFile })).toBeUndefined();
  });
});

describe('retryUntilStopped', () => {
  it('ends at the first try with a KafkaTlsError naming the CA file of the client', async () => {
    const kafka = createKafkaClient({
      brokers: ['127.0.0.1:9093'],
      clientId: 'tls-unit',
      logger,
      logLevel: 'silent',
      ssl: { ca: 'pem', caFile: '/srv/ca.pem', rejectUnauthorized: true },
    });
    const attempt = jest.fn(() =>
      Promise.reject(connectionError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate')),
    );
    const error = await retryUntilStopped('connecting', attempt, {
      isStopped: () => false,
      logger,
      kafka,
    }).catch((e: unknown) => e);
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(error).toBeInstanceOf(KafkaTlsError);
    expect((error as Error).message).toMatch(
      /^Kafka's TLS certificate is not signed by the CA in KAFKA_SSL_CA_FILE \(\/srv\/ca\.pem\): /,
    );
  });

  it('keeps trying after a refused connection', async () => {
    let tries = 0;
    await retryUntilStopped(
      'connecting',
      () => {
        tries++;
        return tries < 2
          ? Promise.reject(connectionError('ECONNREFUSED', 'connect ECONNREFUSED'))
          : Promise.resolve();
      },
      { isStopped: () => false, logger },
    );
    expect(tries).toBe(2);
  });

  it('still reports wrong credentials as an authentication error', async () => {
    const auth = Object.assign(new Error('SASL SCRAM SHA512 authentication failed'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    const error = await retryUntilStopped('connecting', () => Promise.reject(auth), {
      isStopped: () => false,
      logger,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaAuthenticationError);
  });
});

describe('KAFKA_SSL_CA_FILE', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kafka-ca-file-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const security = (file: string, ssl = 'true') => ({
    KAFKA_SSL: ssl,
    KAFKA_SSL_CA_FILE: file,
    KAFKA_SASL_MECHANISM: 'none',
    KAFKA_SASL_USERNAME: '',
    KAFKA_SASL_PASSWORD: '',
  });

  it('reports a missing file in one sentence naming the setting', () => {
    const file = path.join(dir, 'no-such-ca.pem');
    expect(checkKafkaSecurity(security(file))).toEqual([
      `KAFKA_SSL_CA_FILE: cannot read ${file} (no such file); it must be a readable PEM file of the CA that signed the brokers' certificates`,
    ]);
  });

  it('reports a folder, and a file with no PEM certificate', () => {
    const folder = path.join(dir, 'a-folder');
    mkdirSync(folder);
    expect(readCaFile(folder)).toEqual({
      problem: expect.stringContaining(`cannot read ${folder} (it is a folder)`),
    });
    const notPem = path.join(dir, 'ca.der');
    writeFileSync(notPem, Buffer.from([0x30, 0x82, 0x01, 0x0a]));
    expect(checkKafkaSecurity(security(notPem))).toEqual([
      `KAFKA_SSL_CA_FILE: ${notPem} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line); it must be the CA that signed the brokers' certificates`,
    ]);
  });

  it('accepts a PEM certificate, and ignores the file while KAFKA_SSL is false', () => {
    const pem = path.join(dir, 'ca.pem');
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(readCaFile(pem)).toEqual({ pem: readFileSync(pem, 'utf8') });
    expect(checkKafkaSecurity(security(pem))).toEqual([]);
    expect(checkKafkaSecurity(security(path.join(dir, 'missing.pem'), 'false'))).toEqual([]);
  });

  it('is a ConfigError, not a crash, when a service is wired without loadConfig', () => {
    const file = path.join(dir, 'gone.pem');
    const config = {
      KAFKA_BROKERS: ['127.0.0.1:9093'],
      KAFKA_CLIENT_ID: 'x',
      KAFKA_TOPIC: 't',
      KAFKA_TOPIC_PARTITIONS: 1,
      KAFKA_TOPIC_REPLICATION_FACTOR: 1,
      MAX_MESSAGE_BYTES: 1024 * 1024,
      LOG_LEVEL: 'silent' as const,
      KAFKA_SSL: 'true' as const,
      KAFKA_SSL_CA_FILE: file,
      KAFKA_SSL_REJECT_UNAUTHORIZED: 'true' as const,
      KAFKA_SASL_MECHANISM: 'none' as const,
      KAFKA_SASL_USERNAME: '',
      KAFKA_SASL_PASSWORD: '',
    };
    expect(() => kafkaFromConfig(config, logger)).toThrow(ConfigError);
    expect(() => kafkaFromConfig(config, logger)).toThrow(`cannot read ${file} (no such file)`);
  });
});
