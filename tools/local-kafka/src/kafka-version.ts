// The one place that pins the Apache Kafka version. docker-compose.yml uses the same version (a test
// checks that), so the local broker, the tests, the benchmark and the containers all agree.
export const KAFKA_VERSION = '4.1.1';

/** The older broker line the services are also tested against (`startLocalKafka({ version })`). */
export const KAFKA_PREVIOUS_VERSION = '3.9.1';

/** The log4j2 SLF4J 1.7 binding matching the log4j2 version Kafka 4.x itself ships with. */
export const LOG4J_VERSION = '2.24.3';

/** The SLF4J 1.7 binding to reload4j (a maintained log4j 1.2) that Kafka 3.x ships with. */
export const SLF4J_RELOAD4J_VERSION = '1.7.36';
