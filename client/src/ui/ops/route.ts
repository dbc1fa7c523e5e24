import { useEffect, useState } from 'react';

/** The operator page's address: `/#/ops` (a hash, so the gateway's static serving needs nothing new). */
const OPS_HASH = '#/ops';

function isOpsRoute(hash: string): boolean {
  return hash === OPS_HASH || hash.startsWith(`${OPS_HASH}?`);
}

/** Whether the page's address is the operator page's, following changes to it. */
export function useOpsRoute(): boolean {
  const [ops, setOps] = useState(() => typeof window !== 'undefined' && isOpsRoute(window.location.hash));
  useEffect(() => {
    const update = () => setOps(isOpsRoute(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return ops;
}
