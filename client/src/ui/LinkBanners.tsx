import { useNow } from '../hooks/useNow';
import { waitingFor, type LinkHealth } from '../net/link';
import type { ConnectionStatus } from '../net/status';
import type { Bump } from '../store/state';
import { BUMP_SHOW_MS } from './draw';

/**
 * A banner while the socket is open but not answering, saying what the game waits for. Its words
 * change only when what is owed changes (the seconds tick in the status bar), and the status
 * bar's live region has already announced "Connection unstable".
 */
export function UnstableBanner({ link, owed }: { link: LinkHealth; owed: readonly string[] }) {
  if (link.state !== 'unstable') return null;
  return (
    <div className="banner banner-unstable" data-testid="unstable-banner">
      <b>Connection unstable</b>: the server has not answered {waitingFor(owed, link.pingOverdue)} yet. Your moves wait; play resumes by itself when it answers, or the game reconnects.
    </div>
  );
}

/** A full server: say so, and when the next try is, instead of a generic "reconnecting". */
export function CapacityBanner({ status }: { status: ConnectionStatus }) {
  const now = useNow(500);
  if (status.kind !== 'reconnecting' || !status.capacity) return null;
  return (
    <div className="banner banner-degraded" data-testid="capacity-banner">
      <b>The server is full.</b> The game tries again in {Math.max(0, Math.ceil((status.retryAt - now) / 1000))} s (or press “Try now”). Nothing is lost while you wait.
    </div>
  );
}

/** The reason for the last refused move, in words, for as long as the map marks it. */
export function BumpText({ bump }: { bump: Bump | null }) {
  const now = useNow(250);
  const shown = bump && now - bump.at < BUMP_SHOW_MS;
  return (
    <p className="bump-text" data-testid="bump" data-code={shown ? bump.code : ''} aria-live="polite">
      {shown ? `Can't move there: ${bump.text}` : ''}
    </p>
  );
}
