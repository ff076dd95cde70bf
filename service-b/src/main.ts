// The service-b process: read the environment, start, stop on SIGTERM/SIGINT.
import { runService } from '@kafka-http/common';
import { loadConfig } from './config';
import { startServiceB } from './service';

runService({ name: 'service-b', loadConfig, start: startServiceB });
