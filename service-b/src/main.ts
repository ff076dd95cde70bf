// The service-b process: tune the heap, read the environment, start, stop on SIGTERM/SIGINT.
import { tuneHeap } from './heap-tuning';
tuneHeap();

import { runService } from '@kafka-http/common';
import { loadConfig } from './config';
import { startServiceB } from './service';

runService({ name: 'service-b', loadConfig, start: startServiceB });
