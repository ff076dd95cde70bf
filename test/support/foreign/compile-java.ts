// Compiles the tests' one-file Java clients with javac, once per source and classpath, into
// .cache/<name>/<hash>/. Several jest workers may compile at the same time: each compiles into its
// own folder and renames it into place, and whoever loses the race uses the winner's classes.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheDir } from '@kafka-http/local-kafka';

export interface CompiledJava {
  java: string;
  classpath: string;
  classesDir: string;
}

/** Starts the JVM quickly: C1 only, serial GC, class data sharing, a small heap. */
export const QUICK_JVM_FLAGS = [
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
  '-Xshare:auto',
  '-Xms16m',
  '-Xmx128m',
  '-XX:-UsePerfData',
];

function jdkTool(name: 'java' | 'javac'): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', name) : name;
}

export async function compileJava({
  name,
  sources,
  jars,
  mainClass,
}: {
  /** The folder under .cache. */
  name: string;
  sources: readonly string[];
  jars: readonly string[];
  /** A class the compiled folder must hold, e.g. `ForeignClient`. */
  mainClass: string;
}): Promise<CompiledJava> {
  const digest = createHash('sha256');
  for (const source of sources) digest.update(readFileSync(source));
  const hash = digest
    .update(jars.map((jar) => path.basename(jar)).join('\n'))
    .digest('hex')
    .slice(0, 16);
  const root = cacheDir(name);
  const classesDir = path.join(root, hash);
  const result = { java: jdkTool('java'), classpath: jars.join(path.delimiter), classesDir };
  const done = () => existsSync(path.join(classesDir, `${mainClass}.class`));
  if (done()) return result;
  mkdirSync(root, { recursive: true });
  const staging = path.join(root, `${hash}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  mkdirSync(staging);
  try {
    await promisify(execFile)(
      jdkTool('javac'),
      ['--release', '17', '-encoding', 'UTF-8', '-d', staging, '-cp', result.classpath, ...sources],
      { encoding: 'utf8' },
    );
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `javac not found: a JDK (not only a JRE) is needed, e.g. apt-get install openjdk-17-jdk-headless`,
      );
    }
    throw new Error(`javac failed on ${sources.join(' ')}:\n${stdout ?? ''}${stderr ?? ''}`.trim());
  }
  try {
    renameSync(staging, classesDir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another process renamed its folder first: its classes come from the same source.
    if (!done()) throw error;
  }
  return result;
}
