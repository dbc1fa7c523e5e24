import type { AuthResponse } from '@tilemud/contracts';
import { useCallback, useState } from 'react';
import { loadAuth, saveAuth } from '../auth';
import { api } from '../hooks/useConnection';
import { Game } from './Game';
import { SignIn } from './SignIn';

export function App() {
  const [auth, setAuth] = useState<AuthResponse | null>(loadAuth);
  const signIn = useCallback((a: AuthResponse) => {
    saveAuth(a);
    setAuth(a);
  }, []);
  const signOut = useCallback(() => {
    saveAuth(null);
    setAuth(null);
  }, []);
  if (!auth) return <SignIn api={api} onSignedIn={signIn} />;
  return <Game key={auth.accessToken} auth={auth} onSignOut={signOut} />;
}
