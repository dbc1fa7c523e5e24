import { useEffect } from 'react';
import type { GameState, Notice } from '../store/state';

/** One banner per dependency the server reports unhealthy (`event.degraded`). */
export function DegradedBanners({ degraded }: { degraded: GameState['degraded'] }) {
  const entries = Object.entries(degraded);
  if (!entries.length) return null;
  return (
    <div className="banners">
      {entries.map(([dependency, d]) => (
        <div key={dependency} className={`banner banner-${d.status}`} role="alert" data-testid="degraded-banner">
          <b>{d.status === 'unavailable' ? 'Service unavailable' : 'Service degraded'}</b> ({dependency}): {d.message}
        </div>
      ))}
    </div>
  );
}

const NOTICE_MS = 6000;

/** Refusals and other short messages; each goes away by itself. */
export function Notices({ notices, onDismiss }: { notices: readonly Notice[]; onDismiss: (id: number) => void }) {
  const oldest = notices[0];
  useEffect(() => {
    if (!oldest) return;
    const t = setTimeout(() => onDismiss(oldest.id), NOTICE_MS);
    return () => clearTimeout(t);
  }, [oldest, onDismiss]);
  if (!notices.length) return null;
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.kind}`} data-testid="notice">
          <span>{n.text}</span>
          <button aria-label="Dismiss" onClick={() => onDismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
