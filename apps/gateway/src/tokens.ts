/** Injection tokens for the gateway's ports and connections. */
export const CONFIG = Symbol('CONFIG');
export const LOGGER = Symbol('LOGGER');
export const PG_POOL = Symbol('PG_POOL');
export const REDIS = Symbol('REDIS');
export const NATS = Symbol('NATS');
export const TOPOLOGY = Symbol('TOPOLOGY');
export const GATEWAY_ID = Symbol('GATEWAY_ID');
export const METRICS_READER = Symbol('METRICS_READER');
