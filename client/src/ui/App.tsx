import type { AuthResponse } from '@tilemud/contracts';
import { lazy, Suspense, useCallback, useState } from 'react';
import { loadAuth, saveAuth } from '../auth';
import { api } from '../hooks/useConnection';
import { Game } from './Game';
import { useOpsRoute } from './ops/route';
import { SignIn } from './SignIn';

// The operator page (`#/ops`, admins only) is a chunk of its own: players never download it.
const OpsRoute = lazy(() => import('./ops/OpsRoute'));

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
  const ops = useOpsRoute();
  if (!auth) return <SignIn api={api} onSignedIn={signIn} />;
  if (ops)
    return (
      <Suspense fallback={<p className="hint">Loading the operator page…</p>}>
        <OpsRoute />
      </Suspense>
    );
  return <Game key={auth.accessToken} auth={auth} onSignOut={signOut} />;
}
