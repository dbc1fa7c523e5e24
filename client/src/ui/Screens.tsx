import type { ConnectionStatus } from '../net/status';

type Update = Extract<ConnectionStatus, { kind: 'update_required' }>;
type Ended = Extract<ConnectionStatus, { kind: 'ended' }>;

/** Blocking: this client is too old for the server. Reloading fetches the new one. */
export function UpdateRequired({ status }: { status: Update }) {
  return (
    <div className="screen blocking" role="alertdialog" aria-labelledby="update-title" data-testid="update-required">
      <h1 id="update-title">Update required</h1>
      <p>
        The server no longer accepts this version of the game (yours: {status.clientVersion}
        {status.minClientVersion ? `, oldest accepted: ${status.minClientVersion}` : ''}).
      </p>
      <p>Reload the page to get the latest version.</p>
      <button className="primary" onClick={() => window.location.reload()}>
        Reload
      </button>
    </div>
  );
}

const ENDED: Record<Ended['reason'], string> = {
  idle_timeout: 'You were idle for too long, so the session was closed.',
  logout: 'You signed out.',
  replaced: 'You opened the game somewhere else; this window was disconnected.',
  shutdown: 'The server shut down.',
  signed_out: 'Your sign-in has expired. Please sign in again.',
};

/** The session is over (`event.session_terminated`, or the sign-in expired). */
export function SessionEnded({ status, onPlayAgain, onSignOut }: { status: Ended; onPlayAgain: () => void; onSignOut: () => void }) {
  return (
    <div className="screen blocking" role="alertdialog" aria-labelledby="ended-title" data-testid="session-ended" data-reason={status.reason}>
      <h1 id="ended-title">Session ended</h1>
      <p>{ENDED[status.reason]}</p>
      <div className="row">
        {status.reason !== 'signed_out' && status.reason !== 'logout' ? (
          <button className="primary" onClick={onPlayAgain}>
            Play here again
          </button>
        ) : null}
        <button onClick={onSignOut}>Sign in</button>
      </div>
    </div>
  );
}
