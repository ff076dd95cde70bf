// What the foreground scripts (cli.ts, cluster-cli.ts) share: reading `--name value` options,
// stopping on Ctrl-C or SIGTERM, and turning a failure into one line and exit code 1.
import { PrerequisiteError } from './install-kafka';

export function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

/** Runs `stop` once on SIGINT or SIGTERM, then exits 0 (1 if stopping failed). */
export function stopOnSignal(stop: () => Promise<void>): void {
  const onSignal = () => {
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

export function runCli(main: (args: string[]) => Promise<void>): void {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof PrerequisiteError ? error.message : error);
    process.exit(1);
  });
}
