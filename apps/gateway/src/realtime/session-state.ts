import type { TicketClaims } from '../session/ticket.store';
import type { TerminationReason } from './session-ports';
import type { WorldView } from './world-view';

/** The versions a client said hello with, checked again when the minimum is raised. */
export interface HelloVersions {
  protocolVersion: string;
  clientVersion?: string | undefined;
}

/**
 * A session's life, each state carrying what exists in it (see docs/architecture.md, "The
 * session's states"):
 *
 *   connecting ─ticket─▶ awaiting_hello ─hello─▶ joining ─entered, token─▶ playing
 *        │                     │                    │                        │ socket gone
 *        └─────────────────────┴────────────────────┴───────▶ ended ◀── lingering (resume window)
 *
 * `connecting`: the ticket is being redeemed. `joining`: hello was accepted; the character is
 * being put in its world (`view` once it is there). `playing`: in the world with a resume token,
 * intents relayed. `lingering`: the socket is gone, the character waits out the resume window.
 * `ended`: nothing more is read or sent; `view` names the world a leave may still go to.
 */
export type SessionState =
  | { kind: 'connecting' }
  | { kind: 'awaiting_hello'; claims: TicketClaims }
  | { kind: 'joining'; claims: TicketClaims; hello: HelloVersions; view?: WorldView }
  | { kind: 'playing'; claims: TicketClaims; hello: HelloVersions; view: WorldView; resumeToken: string }
  | { kind: 'lingering'; claims: TicketClaims; view: WorldView; resumeToken: string }
  | { kind: 'ended'; by?: TerminationReason; claims?: TicketClaims; view?: WorldView };

export type Joining = Extract<SessionState, { kind: 'joining' }>;
export type Playing = Extract<SessionState, { kind: 'playing' }>;
export type Connected = Extract<SessionState, { kind: 'connecting' | 'awaiting_hello' | 'joining' | 'playing' }>;

/** The socket is still there: frames are read and written. */
export function isConnected(s: SessionState): s is Connected {
  return s.kind !== 'lingering' && s.kind !== 'ended';
}
