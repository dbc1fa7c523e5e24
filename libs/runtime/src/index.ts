export * from './config';
export * from './logger';
export * from './db';
export * from './migrate';
export * from './nats';
export * from './wire';
export * from './tracing';
export * from './failpoint';
