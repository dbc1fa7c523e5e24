export * from './lease-table';
export * from './rendezvous';
export * from './world-leases';
