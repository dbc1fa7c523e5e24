// NATS by job: the deployment's names, the connection, the streams and consumers, and consuming.
export * from './names';
export * from './connection';
export * from './streams';
export * from './consumer-loop';
export * from './stall-watch';
