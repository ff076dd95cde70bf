// The service-a process: read the environment, start, stop on SIGTERM/SIGINT.
import { runService } from '@kafka-http/common';
import { loadConfig } from './config';
import { startServiceA } from './service';

runService({ name: 'service-a', loadConfig, start: startServiceA });
