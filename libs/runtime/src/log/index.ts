// The event log's one reader, its import writer and the state of a world at a seq: every query
// on action_events outside the sequencer's append lives in this folder.
export { envelopeOf, type LoggedEvent } from './rows';
export * from './reader';
export * from './table';
export * from './import';
export * from './state-at';
