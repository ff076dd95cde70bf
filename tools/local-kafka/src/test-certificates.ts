// Throwaway certificates for a TLS broker in tests, made with the `openssl` command line: a CA, a
// broker certificate for localhost and 127.0.0.1 signed by it (PKCS12 keystore for the broker, the
// CA as PEM for clients), and for the failure cases an expired broker certificate from the same CA
// and an unrelated second CA.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PrerequisiteError } from './prerequisite-error';

/** A PKCS12 keystore holding a broker's key and certificate chain. */
export interface BrokerKeystore {
  file: string;
  password: string;
}

export interface TestCertificates {
  dir: string;
  /** PEM of the CA that signed both broker certificates (what KAFKA_SSL_CA_FILE points at). */
  caFile: string;
  /** PEM of a CA that signed nothing the broker uses. */
  otherCaFile: string;
  /** Valid now (from an hour ago, for `validDays`), for every name in `hosts`. */
  keystore: BrokerKeystore;
  /** The same names, but its validity ended a day ago. */
  expiredKeystore: BrokerKeystore;
  /** The broker certificates' PEM files (for inspection). */
  certificateFile: string;
  expiredCertificateFile: string;
}

const CA_CONFIG = `[ req ]
distinguished_name = dn
[ dn ]
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
`;

function signingConfig(dir: string, hosts: readonly string[]): string {
  const names = hosts.map((host) => (/^[\d.]+$|:/.test(host) ? `IP:${host}` : `DNS:${host}`));
  return `[ ca ]
default_ca = test_ca
[ test_ca ]
dir = ${dir}
database = $dir/index.txt
serial = $dir/serial
new_certs_dir = $dir/issued
default_md = sha256
policy = any_name
unique_subject = no
copy_extensions = none
[ any_name ]
commonName = supplied
[ req ]
distinguished_name = dn
[ dn ]
[ broker ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = ${names.join(', ')}
`;
}

/** `openssl ca` dates: UTCTime, YYMMDDHHMMSSZ. */
export function opensslDate(date: Date): string {
  return `${date.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`;
}

function openssl(args: string[], cwd: string): void {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (result.error) {
    throw new PrerequisiteError(
      'The `openssl` command is needed to make test certificates: install it (for example `apt-get install openssl`).',
    );
  }
  if (result.status !== 0) {
    throw new Error(`openssl ${args[0]} failed (exit ${result.status}):\n${result.stderr}`);
  }
}

/** Makes a fresh set of certificates in `dir` (created when missing). Takes about a second. */
export function makeTestCertificates(
  dir: string,
  {
    hosts = ['localhost', '127.0.0.1'],
    validDays = 7,
  }: { hosts?: readonly string[]; validDays?: number } = {},
): TestCertificates {
  mkdirSync(path.join(dir, 'issued'), { recursive: true });
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'serial'), `${randomBytes(8).toString('hex')}\n`);
  writeFileSync(path.join(dir, 'ca.cnf'), CA_CONFIG);
  writeFileSync(path.join(dir, 'sign.cnf'), signingConfig(dir, hosts));

  const makeCa = (name: string, subject: string) =>
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-config',
        'ca.cnf',
        '-extensions',
        'v3_ca',
        '-subj',
        subject,
        '-days',
        String(validDays + 1),
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.pem`,
      ],
      dir,
    );
  makeCa('ca', '/CN=kafka-http test CA');
  makeCa('other-ca', '/CN=kafka-http unrelated CA');

  openssl(
    [
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-config',
      'sign.cnf',
      '-subj',
      `/CN=${hosts[0] ?? 'localhost'}`,
      '-keyout',
      'broker.key',
      '-out',
      'broker.csr',
    ],
    dir,
  );
  const now = Date.now();
  const hour = 3_600_000;
  const sign = (name: string, from: number, until: number) => {
    openssl(
      [
        'ca',
        '-batch',
        '-notext',
        '-config',
        'sign.cnf',
        '-extensions',
        'broker',
        '-cert',
        'ca.pem',
        '-keyfile',
        'ca.key',
        '-in',
        'broker.csr',
        '-startdate',
        opensslDate(new Date(from)),
        '-enddate',
        opensslDate(new Date(until)),
        '-out',
        `${name}.pem`,
      ],
      dir,
    );
    const password = randomBytes(12).toString('hex');
    openssl(
      [
        'pkcs12',
        '-export',
        '-in',
        `${name}.pem`,
        '-inkey',
        'broker.key',
        '-certfile',
        'ca.pem',
        '-name',
        'broker',
        '-passout',
        `pass:${password}`,
        '-out',
        `${name}.p12`,
      ],
      dir,
    );
    return { file: path.join(dir, `${name}.p12`), password };
  };
  const keystore = sign('broker', now - hour, now + validDays * 24 * hour);
  const expiredKeystore = sign('broker-expired', now - 3 * 24 * hour, now - 24 * hour);
  return {
    dir,
    caFile: path.join(dir, 'ca.pem'),
    otherCaFile: path.join(dir, 'other-ca.pem'),
    keystore,
    expiredKeystore,
    certificateFile: path.join(dir, 'broker.pem'),
    expiredCertificateFile: path.join(dir, 'broker-expired.pem'),
  };
}
