import { useNow } from '../hooks/useNow';
import { rttLabel, waitingFor, type LinkHealth } from '../net/link';
import type { ConnectionStatus } from '../net/status';

interface Props {
  status: ConnectionStatus;
  link: LinkHealth;
  /** Kinds of the intents owed an ack ("move", "message", "action"), for saying what is awaited. */
  owed: readonly string[];
  rttMs: number | null;
  polledAt: number | null;
  onReconnect: () => void;
  onRefresh: () => void;
}

const secs = (ms: number) => `${Math.max(0, Math.ceil(ms / 1000))} s`;
const ago = (ms: number) => `${Math.max(0, Math.floor(ms / 1000))} s`;

/** The one word a screen reader hears, only when it changes (never at every RTT reading). */
function announcement(status: ConnectionStatus, link: LinkHealth): string {
  switch (status.kind) {
    case 'live':
      return link.state === 'unstable' ? 'Connection unstable' : 'Live';
    case 'reconnecting':
      return status.capacity ? 'Server full, waiting to try again' : 'Reconnecting';
    case 'offline':
      return 'Offline';
    case 'connecting':
      return 'Connecting';
    case 'update_required':
      return 'Update required';
    case 'ended':
      return 'Session ended';
  }
}

/** The connection, always in view: what it is doing and what the player can do about it. */
export function StatusBar({ status, link, owed, rttMs, polledAt, onReconnect, onRefresh }: Props) {
  const now = useNow(500);
  let text: string;
  let action: React.ReactNode = null;
  let kind: string = status.kind;
  switch (status.kind) {
    case 'connecting':
      text = 'Connecting…';
      break;
    case 'live': {
      const rtt = rttLabel(rttMs, link);
      if (link.state === 'unstable') {
        kind = 'unstable';
        text = `Unstable · no answer for ${ago(now - link.since)} · waiting for ${waitingFor(owed, link.pingOverdue)}${rtt ? ` · RTT ${rtt}` : ''}`;
      } else text = rtt ? `Live · ${rtt}` : 'Live';
      break;
    }
    case 'reconnecting':
      text = status.capacity ? `Server full · next try in ${secs(status.retryAt - now)}` : `Reconnecting (attempt ${status.attempt}) · next try in ${secs(status.retryAt - now)} · ${status.reason}`;
      action = <button onClick={onReconnect}>{status.capacity ? 'Try now' : 'Reconnect now'}</button>;
      break;
    case 'offline':
      text = `Offline · live updates unavailable, showing snapshots${polledAt ? ` (updated ${ago(now - polledAt)} ago)` : ''} · next try in ${secs(status.retryAt - now)}`;
      action = (
        <>
          <button onClick={onRefresh} data-testid="refresh">
            Refresh
          </button>
          <button onClick={onReconnect}>Reconnect now</button>
        </>
      );
      break;
    case 'update_required':
      text = 'Update required';
      break;
    case 'ended':
      text = 'Session ended';
      break;
    default: {
      const unhandled: never = status;
      text = String(unhandled);
    }
  }
  return (
    <div className={`status status-${kind}`} data-testid="status" data-status={status.kind} data-link={link.state}>
      <span className="dot" aria-hidden />
      <span className="status-text" data-testid="status-text">
        {text}
      </span>
      {action}
      <span className="sr-only" role="status" aria-live="polite" data-testid="status-announce">
        {announcement(status, link)}
      </span>
    </div>
  );
}
