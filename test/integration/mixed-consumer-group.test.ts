// service-b and a Java consumer with default settings in one consumer group; the tests are in
// test/support/suites/mixed-consumer-group.ts (also run on Kafka 3.x).
import { mixedConsumerGroupSuite } from '@test-support/suites/mixed-consumer-group';

mixedConsumerGroupSuite('on the suite broker');
