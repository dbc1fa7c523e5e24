import { PasswordSchema, UsernameSchema, type AuthResponse } from '@tilemud/contracts';
import { useState } from 'react';
import type { Api } from '../api/endpoints';
import { HttpError, NetworkError } from '../api/http';
import { onTabKeyDown } from './tabs';

const MODES = ['login', 'register'] as const;
type Mode = (typeof MODES)[number];
const tabId = (m: Mode) => `signin-tab-${m}`;

/** What to tell a player whose sign-in failed. */
export function signInError(err: unknown, mode: 'login' | 'register' | 'guest'): string {
  if (err instanceof NetworkError) return 'The server cannot be reached. Try again in a moment.';
  if (err instanceof HttpError) {
    if (err.status === 404 && mode !== 'guest') return 'Accounts are not available on this server yet. Play as a guest.';
    if (err.code === 'INVALID_CREDENTIALS') return 'Wrong username or password.';
    if (err.code === 'USERNAME_TAKEN') return 'That username is taken.';
    if (err.status === 429) return 'Too many attempts. Wait a little and try again.';
    return err.message;
  }
  return (err as Error).message;
}

export function SignIn({ api, onSignedIn }: { api: Api; onSignedIn: (auth: AuthResponse) => void }) {
  const [mode, setMode] = useState<Mode>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (what: 'login' | 'register' | 'guest') => {
    setError(null);
    if (what === 'register') {
      const u = UsernameSchema.safeParse(username);
      const p = PasswordSchema.safeParse(password);
      if (!u.success) return setError(`Username: 3–24 letters, digits or _.`);
      if (!p.success) return setError('Password: 8 to 128 characters.');
    }
    setBusy(true);
    try {
      const auth = what === 'guest' ? await api.guest() : what === 'login' ? await api.login(username, password) : await api.register(username, password);
      onSignedIn(auth);
    } catch (err) {
      setError(signInError(err, what));
      setBusy(false);
    }
  };

  return (
    <div className="screen signin">
      <h1 className="logo">TileMUD</h1>
      <p className="tagline">A little world of tiles, shared with everyone online.</p>
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          void run(mode);
        }}
      >
        <div className="tabs" role="tablist" aria-label="Account">
          {MODES.map((m) => (
            <button
              key={m}
              id={tabId(m)}
              type="button"
              role="tab"
              aria-selected={mode === m}
              aria-controls="signin-panel"
              tabIndex={mode === m ? 0 : -1}
              onClick={() => setMode(m)}
              onKeyDown={(e) => onTabKeyDown(e, MODES, mode, setMode, tabId)}
            >
              {m === 'login' ? 'Sign in' : 'Register'}
            </button>
          ))}
        </div>
        <div className="tabpanel" id="signin-panel" role="tabpanel" aria-labelledby={tabId(mode)}>
          <label>
            Username
            <input autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
          </label>
          <label>
            Password
            <input type="password" autoComplete={mode === 'login' ? 'current-password' : 'new-password'} value={password} onChange={(e) => setPassword(e.target.value)} required />
          </label>
          {error ? (
            <p className="error" role="alert" data-testid="signin-error">
              {error}
            </p>
          ) : null}
          <button type="submit" className="primary" disabled={busy}>
            {mode === 'login' ? 'Sign in' : 'Create account'}
          </button>
        </div>
        <div className="or">or</div>
        <button type="button" data-testid="guest" disabled={busy} onClick={() => void run('guest')}>
          Play as guest
        </button>
      </form>
    </div>
  );
}
