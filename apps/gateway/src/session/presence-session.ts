import type { ResumeRecord } from './resume.store';
import type { TicketClaims } from './ticket.store';

/** What presence reads of a session (the gateway's ClientSession; presence never imports it). */
export interface PresenceSession {
  readonly id: string;
  readonly claims: TicketClaims | undefined;
  /** The world its character is in, once it has entered one. */
  readonly worldId: string | undefined;
  readonly resumeToken: string | undefined;
  /** A portal crossing under way: an away belongs to the world it lands in. */
  readonly switching: Promise<void> | null;
  resumeRecord(): ResumeRecord | undefined;
  terminate(reason: 'replaced', code: number): void;
}
