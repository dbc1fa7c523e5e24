import { useState } from 'react';
import { onTabKeyDown } from './tabs';

export type PanelId = 'chat' | 'inventory' | 'online';

export interface PanelDef {
  id: PanelId;
  label: string;
  /** Shown on the tab: "3 new", "2 online"… */
  badge?: string;
  content: React.ReactNode;
}

/**
 * The panels beside the map on a wide screen; on a small one, tabs under the map with one panel
 * open at a time (the others stay mounted, hidden, so nothing typed or scrolled is lost).
 */
export function SidePanels({ panels, tabbed, onShow }: { panels: readonly PanelDef[]; tabbed: boolean; onShow?: (id: PanelId) => void }) {
  const [open, setOpen] = useState<PanelId>(panels[0]!.id);
  const select = (id: PanelId) => {
    setOpen(id);
    onShow?.(id);
  };
  if (!tabbed)
    return (
      <div className="side">
        {panels.map((p) => (
          <div key={p.id} className={`slot slot-${p.id}`}>
            {p.content}
          </div>
        ))}
      </div>
    );
  const ids = panels.map((p) => p.id);
  const tabId = (id: PanelId) => `tab-${id}`;
  return (
    <div className="side tabbed">
      <div className="panel-tabs" role="tablist" aria-label="Panels">
        {panels.map((p) => (
          <button
            key={p.id}
            id={tabId(p.id)}
            type="button"
            role="tab"
            aria-selected={open === p.id}
            aria-controls={`tabpanel-${p.id}`}
            tabIndex={open === p.id ? 0 : -1}
            data-testid={`tab-${p.id}`}
            onClick={() => select(p.id)}
            onKeyDown={(e) => onTabKeyDown(e, ids, open, select, tabId)}
          >
            {p.label}
            {p.badge ? <span className="badge">{p.badge}</span> : null}
          </button>
        ))}
      </div>
      {panels.map((p) => (
        <div key={p.id} id={`tabpanel-${p.id}`} role="tabpanel" aria-labelledby={tabId(p.id)} hidden={open !== p.id} className={`slot slot-${p.id}`}>
          {p.content}
        </div>
      ))}
    </div>
  );
}
