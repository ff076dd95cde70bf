// Runs a service until SIGTERM, SIGINT or SIGHUP, then stops it once, in order; a second signal, or a stop
// that takes too long, ends the process with a non-zero code so a supervisor can restart it.
import { ConfigError } from './config';
import { createLogger, type Logger, type LogLevel } from './logger';

/**
 * The exit code of a service that could not listen because its port is taken: a supervisor should
 * not start it again (it would fail the same way), unlike after a crash.
 */
export const EXIT_PORT_IN_USE = 3;

/**
 * The policy for background work a service cannot run without (its Kafka client's start-up loop,
 * its consumer): if it ever fails for good, that is logged once as fatal and `onFatal` ends the
 * process (a supervisor starts it again), never a live process with a dead part.
 */
export function fatalIfItFails(
  work: Promise<unknown>,
  { logger, onFatal }: { logger: Logger; onFatal: (error: unknown) => void },
): void {
  work.catch((error: unknown) => {
    logger.fatal({ err: error }, error instanceof Error ? error.message : String(error));
    onFatal(error);
  });
}

export interface Stoppable {
  stop(reason: string): Promise<void>;
}

export function runUntilSignalled(
  service: Stoppable,
  logger: Logger,
  { stopDeadlineMs = 30_000 } = {},
): void {
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) {
      logger.warn({ reason }, 'second stop request: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ reason }, 'stopping');
    const deadline = setTimeout(() => {
      logger.error({ stopDeadlineMs }, 'stop took too long: exiting');
      process.exit(1);
    }, stopDeadlineMs);
    deadline.unref();
    service.stop(reason).then(
      () => {
        logger.info('stopped');
        process.exitCode = process.exitCode ?? 0;
      },
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // A closed terminal: stop as cleanly as for Ctrl-C instead of dying mid-request.
  process.on('SIGHUP', () => stop('SIGHUP'));
  process.on('unhandledRejection', (error) => {
    logger.fatal({ err: error }, 'unhandled promise rejection');
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
}

/**
 * The whole of a service's main(): read the configuration (exit 2 with every problem listed when
 * it is invalid), start, and stop on SIGTERM/SIGINT.
 */
export function runService<C extends { LOG_LEVEL: LogLevel }>({
  name,
  loadConfig,
  start,
}: {
  name: string;
  loadConfig: () => C;
  start: (config: C, logger: Logger) => Promise<Stoppable>;
}): void {
  let config: C;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${name}: ${(error as Error).message}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
  const logger = createLogger({ name, level: config.LOG_LEVEL });
  start(config, logger).then(
    (service) => runUntilSignalled(service, logger),
    (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        const { port } = error as { port?: number };
        logger.fatal(
          { port },
          `port ${port ?? '?'} is already in use (set PORT to choose another); not started`,
        );
        process.exit(EXIT_PORT_IN_USE);
      }
      logger.fatal({ err: error }, 'failed to start');
      process.exit(1);
    },
  );
}
