// The one place that pins the Apache Kafka version. docker-compose.yml uses the same version (a test
// checks that), so the local broker, the tests, the benchmark and the containers all agree.
export const KAFKA_VERSION = '4.1.1';

/** The log4j2 SLF4J 1.7 binding matching the log4j2 version Kafka itself ships with. */
export const LOG4J_VERSION = '2.24.3';
