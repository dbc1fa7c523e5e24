import { useNow } from '../hooks/useNow';
import type { ConnectionStatus } from '../net/status';

interface Props {
  status: ConnectionStatus;
  rttMs: number | null;
  polledAt: number | null;
  onReconnect(): void;
  onRefresh(): void;
}

const secs = (ms: number) => `${Math.max(0, Math.ceil(ms / 1000))} s`;
const ago = (ms: number) => `${Math.max(0, Math.floor(ms / 1000))} s`;

/** The connection, always in view: what it is doing and what the player can do about it. */
export function StatusBar({ status, rttMs, polledAt, onReconnect, onRefresh }: Props) {
  const now = useNow(500);
  let text: string;
  let action: React.ReactNode = null;
  switch (status.kind) {
    case 'connecting':
      text = 'Connecting…';
      break;
    case 'live':
      text = rttMs === null ? 'Live' : `Live · ${rttMs} ms`;
      break;
    case 'reconnecting':
      text = `Reconnecting (attempt ${status.attempt}) · next try in ${secs(status.retryAt - now)} · ${status.reason}`;
      action = <button onClick={onReconnect}>Reconnect now</button>;
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
    <div className={`status status-${status.kind}`} data-testid="status" data-status={status.kind} role="status" aria-live="polite">
      <span className="dot" aria-hidden />
      <span className="status-text">{text}</span>
      {action}
    </div>
  );
}
