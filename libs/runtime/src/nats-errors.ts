import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { NoRespondersError } from '@nats-io/transport-node';

// NATS errors told apart by class and API code, never by message text (which changes between
// server and client versions).

/** JetStream's API code for "stream name already in use" (a racing process made it first). */
export const STREAM_NAME_IN_USE = 10058;

/** A stream add refused because another process made the stream between our look and our add. */
export function isNameInUse(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === STREAM_NAME_IN_USE;
}

/** A stream or consumer that does not exist, by JetStream's API error code. */
export function isNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.StreamNotFound || err.code === JetStreamApiCodes.ConsumerNotFound);
}

/** No message (a `last_by_subj` lookup on a subject the stream holds nothing of). */
export function isNoMessage(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.NoMessageFound;
}

/**
 * A JetStream publish nobody stored: no stream listens on the subject, so the server answers the
 * request `503 no responders` (the client reports it as JetStreamNotEnabled, caused by a
 * RequestError caused by NoRespondersError). Also true for StreamNotFound from the API.
 */
export function isNoStream(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof NoRespondersError) return true;
    if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound) return true;
  }
  return false;
}

/** JetStream's API code for a stream whose store failed (e.g. its files removed under it). */
export const STREAM_STORE_FAILED = 10077;

/**
 * A stream whose files are gone though the server still lists it: nats-server 2.9 removes a
 * deleted file stream's directory after answering the delete, so a stream of the same name made
 * again within that moment loses its files and refuses every publish with this code.
 */
export function isStoreFailure(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === STREAM_STORE_FAILED;
}

/**
 * How long to let the server finish deleting a stream or consumer before making it again: one
 * made within that moment can be taken down with the old one, or lose its files (isStoreFailure).
 */
export const RECREATE_SETTLE_MS = 1000;
