// The public entry of the shared library: everything both services use, and nothing else.
export * from './config';
export * from './service-config';
export * from './logger';
export * from './kafka-client';
export * from './problem';
export * from './negotiation';
export * from './query-schema';
export * from './health';
export * from './api-docs';
export * from './http-server';
export * from './process-lifecycle';
export * from './http-security';
export * from './request-context';
export * from './metrics';
export * from './service-app';
export * from './trace-context';
export * from './avro';
