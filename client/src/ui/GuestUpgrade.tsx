import { PasswordSchema, UsernameSchema } from '@tilemud/contracts';
import { useState } from 'react';
import type { Api } from '../api/endpoints';
import { session } from '../auth';
import { signInError } from './SignIn';

/** Guests are the players whose name has this prefix (the server keeps it for them). */
const GUEST_PREFIX = 'guest_';

/**
 * "Keep this character": a guest becomes an account (same player, character and inventory) and
 * from then on signs in by name. The new tokens replace the guest's in this page's sign-in.
 */
export function GuestUpgrade({ api, token, username }: { api: Api; token: string; username: string }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  if (!username.startsWith(GUEST_PREFIX)) return null;
  if (done)
    return (
      <span className="upgraded" data-testid="upgraded">
        Account {done} created
      </span>
    );
  if (!open)
    return (
      <button type="button" data-testid="upgrade-open" onClick={() => setOpen(true)}>
        Keep this character
      </button>
    );

  const submit = async () => {
    setError(null);
    if (!UsernameSchema.safeParse(name).success) return setError('Username: 3–24 letters, digits or _.');
    if (!PasswordSchema.safeParse(password).success) return setError('Password: 8 to 128 characters.');
    setBusy(true);
    try {
      const auth = await api.upgrade(token, name, password);
      session.set(auth);
      setDone(auth.player.username);
    } catch (err) {
      setError(signInError(err, 'register'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="upgrade"
      data-testid="upgrade-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <input aria-label="Username" autoComplete="username" placeholder="username" value={name} onChange={(e) => setName(e.target.value)} />
      <input aria-label="Password" type="password" autoComplete="new-password" placeholder="password" value={password} onChange={(e) => setPassword(e.target.value)} />
      <button type="submit" disabled={busy}>
        Create account
      </button>
      {error ? (
        <span className="error" role="alert">
          {error}
        </span>
      ) : null}
    </form>
  );
}
