import type { ChatMessage } from '@tilemud/contracts';
import { useState } from 'react';
import type { PanelId } from './SidePanels';

/**
 * Chat messages that came while the chat tab was folded away (small screens), for the tab's
 * badge. Counted from the last message seen, by id (the kept list is capped, so not by length).
 */
export function useUnread(chat: readonly ChatMessage[], tabbed: boolean): { count: number; onShow: (id: PanelId) => void } {
  const lastId = chat[chat.length - 1]?.id;
  const [seen, setSeen] = useState<{ id: string | undefined; open: boolean }>({ id: lastId, open: true });
  if (seen.open && seen.id !== lastId) setSeen({ id: lastId, open: true }); // an open chat reads as it comes
  const onShow = (id: PanelId) => setSeen({ id: lastId, open: id === 'chat' });
  if (!tabbed || seen.open) return { count: 0, onShow };
  const from = chat.findIndex((m) => m.id === seen.id);
  return { count: from < 0 ? chat.length : chat.length - from - 1, onShow };
}
