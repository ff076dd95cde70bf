export * from './kafka-version';
export * from './kafka-versions';
export * from './install-kafka';
export * from './local-broker';
export * from './free-port';
export * from './paths';
export * from './scram';
export * from './local-cluster';
