// The TLS pieces of the local broker without a broker: the test certificates openssl makes, and
// the server.properties of TLS listeners.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  makeTestCertificates,
  opensslDate,
  tlsListeners,
  type TestCertificates,
} from '@kafka-http/local-kafka';

describe('makeTestCertificates', () => {
  let dir = '';
  let certs: TestCertificates;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'test-certificates-'));
    certs = makeTestCertificates(path.join(dir, 'certs'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const read = (file: string) => new X509Certificate(readFileSync(file));

  it('signs a broker certificate for localhost and 127.0.0.1 with the CA, valid now', () => {
    const ca = read(certs.caFile);
    const broker = read(certs.certificateFile);
    expect(ca.ca).toBe(true);
    expect(broker.ca).toBe(false);
    expect(broker.verify(ca.publicKey)).toBe(true);
    expect(broker.checkIssued(ca)).toBe(true);
    expect(broker.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(broker.checkHost('localhost')).toBe('localhost');
    expect(broker.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(broker.checkHost('example.com')).toBeUndefined();
    const now = Date.now();
    expect(Date.parse(broker.validFrom)).toBeLessThan(now);
    expect(Date.parse(broker.validTo)).toBeGreaterThan(now + 6 * 86_400_000);
  });

  it('makes an expired certificate from the same CA, and a CA that signed neither', () => {
    const ca = read(certs.caFile);
    const other = read(certs.otherCaFile);
    const expired = read(certs.expiredCertificateFile);
    expect(expired.verify(ca.publicKey)).toBe(true);
    expect(Date.parse(expired.validTo)).toBeLessThan(Date.now());
    expect(other.ca).toBe(true);
    expect(other.subject).not.toBe(ca.subject);
    expect(read(certs.certificateFile).verify(other.publicKey)).toBe(false);
  });

  it('writes PKCS12 keystores with their own passwords', () => {
    for (const keystore of [certs.keystore, certs.expiredKeystore]) {
      expect(keystore.file.endsWith('.p12')).toBe(true);
      expect(keystore.password).toMatch(/^[0-9a-f]{24}$/);
      expect(readFileSync(keystore.file).length).toBeGreaterThan(1000);
    }
    expect(certs.keystore.password).not.toBe(certs.expiredKeystore.password);
  });
});

describe('opensslDate', () => {
  it('writes UTCTime', () => {
    expect(opensslDate(new Date('2026-03-04T05:06:07.890Z'))).toBe('260304050607Z');
  });
});

describe('tlsListeners', () => {
  const keystore = { file: '/k/broker.p12', password: 'pw' };
  const expired = { file: '/k/expired.p12', password: 'pw2' };

  it('adds SSL and SASL_SSL listeners beside PLAINTEXT, each with its keystore', async () => {
    const options = await tlsListeners(
      {
        SSL: { keystore, port: 19094 },
        SASL_SSL: { keystore, scram: true, port: 19095 },
        EXPIRED: { keystore: expired, port: 19096 },
      },
      { users: [{ username: 'alice', password: 'secret' }], port: 19092, controllerPort: 19093 },
    );
    expect(options.addresses).toEqual({
      SSL: '127.0.0.1:19094',
      SASL_SSL: '127.0.0.1:19095',
      EXPIRED: '127.0.0.1:19096',
    });
    const p = options.serverProperties ?? {};
    expect(p.listeners).toBe(
      'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093,SSL://127.0.0.1:19094,SASL_SSL://127.0.0.1:19095,EXPIRED://127.0.0.1:19096',
    );
    expect(p['advertised.listeners']).toBe(
      'PLAINTEXT://127.0.0.1:19092,SSL://127.0.0.1:19094,SASL_SSL://127.0.0.1:19095,EXPIRED://127.0.0.1:19096',
    );
    expect(p['listener.security.protocol.map']).toBe(
      'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,EXPIRED:SSL',
    );
    expect(p['listener.name.ssl.ssl.keystore.location']).toBe('/k/broker.p12');
    expect(p['listener.name.expired.ssl.keystore.location']).toBe('/k/expired.p12');
    expect(p['listener.name.expired.ssl.keystore.password']).toBe('pw2');
    expect(p['listener.name.sasl_ssl.ssl.keystore.type']).toBe('PKCS12');
    expect(p['listener.name.sasl_ssl.sasl.enabled.mechanisms']).toBe('SCRAM-SHA-256,SCRAM-SHA-512');
    expect(p['listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config']).toContain(
      'ScramLoginModule required;',
    );
    expect(p['listener.name.ssl.scram-sha-512.sasl.jaas.config']).toBeUndefined();
    expect(options.formatArgs).toEqual([
      '--add-scram',
      'SCRAM-SHA-256=[name=alice,password=secret]',
      '--add-scram',
      'SCRAM-SHA-512=[name=alice,password=secret]',
    ]);
  });

  it('creates no SCRAM users without a SASL_SSL listener, and picks free ports', async () => {
    const options = await tlsListeners(
      { SSL: { keystore } },
      { users: [{ username: 'a', password: 'b' }] },
    );
    expect(options.formatArgs).toEqual([]);
    expect(options.addresses.SSL).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(options.port).not.toBe(options.controllerPort);
  });

  it.each(['ssl', 'PLAINTEXT', 'CONTROLLER', 'MY-TLS', ''])(
    'refuses %p as a listener name',
    async (name) => {
      await expect(tlsListeners({ [name]: { keystore } })).rejects.toThrow(
        'cannot name a TLS listener',
      );
    },
  );
});
