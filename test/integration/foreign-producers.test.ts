// Records written by Apache Kafka's Java client and by kcat, with every codec, delivered on every
// read path; the tests are in test/support/suites/foreign-producers.ts (also run on Kafka 3.x).
import { foreignProducerSuite } from '@test-support/suites/foreign-producers';

foreignProducerSuite('on the suite broker');
