// `npm run kafka -- fetch [--version V]` downloads the broker jars; `npm run kafka -- start
// [--port N] [--data-dir DIR] [--version V]` runs a broker in the foreground until Ctrl-C.
import { ensureKafkaInstalled, PrerequisiteError } from './install-kafka';
import { option, runCli, stopOnSignal } from './cli-support';
import { startLocalKafka } from './local-broker';
import { cacheDir } from './paths';

async function main(args: string[]): Promise<void> {
  const [command = 'start'] = args;
  const version = option(args, '--version');
  if (command === 'fetch') {
    const installation = ensureKafkaInstalled({ version, log: console.log });
    console.log(`Kafka ${installation.version} jars are in ${installation.libDir}`);
    return;
  }
  if (command !== 'start') {
    throw new PrerequisiteError(`Unknown command "${command}": use "fetch" or "start".`);
  }
  const port = Number(option(args, '--port') ?? 9092);
  const broker = await startLocalKafka({
    // Another version keeps its own data: a 4.x folder cannot be opened by 3.x.
    dataDir:
      option(args, '--data-dir') ??
      (version === undefined ? cacheDir('kafka', 'data') : cacheDir('kafka', version, 'data')),
    version,
    port,
    controllerPort: Number(option(args, '--controller-port') ?? port + 1),
    log: console.log,
  });
  console.log(`Broker log: ${broker.logFile}\nPress Ctrl-C to stop.`);
  stopOnSignal(() => broker.stop());
}

runCli(main);
