// `npm run kafka -- fetch` downloads the broker jars; `npm run kafka -- start [--port N]
// [--data-dir DIR]` runs a broker in the foreground until Ctrl-C.
import { ensureKafkaInstalled, PrerequisiteError } from './install-kafka';
import { startLocalKafka } from './local-broker';
import { cacheDir } from './paths';

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

async function main(args: string[]): Promise<void> {
  const [command = 'start'] = args;
  if (command === 'fetch') {
    const installation = ensureKafkaInstalled({ log: console.log });
    console.log(`Kafka ${installation.version} jars are in ${installation.libDir}`);
    return;
  }
  if (command !== 'start') {
    throw new PrerequisiteError(`Unknown command "${command}": use "fetch" or "start".`);
  }
  const port = Number(option(args, '--port') ?? 9092);
  const broker = await startLocalKafka({
    dataDir: option(args, '--data-dir') ?? cacheDir('kafka', 'data'),
    port,
    controllerPort: Number(option(args, '--controller-port') ?? port + 1),
    log: console.log,
  });
  console.log(`Broker log: ${broker.logFile}\nPress Ctrl-C to stop.`);
  const stop = () => {
    broker.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof PrerequisiteError ? error.message : error);
  process.exit(1);
});
