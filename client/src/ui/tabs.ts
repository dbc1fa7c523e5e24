/**
 * Arrow-key navigation of a tablist (WAI-ARIA tabs, automatic activation): Left/Right move to
 * the previous/next tab (wrapping), Home/End to the first/last; the new tab is selected and
 * focused. Returns the tab to select, or null for other keys.
 */
function tabKey<T extends string>(key: string, tabs: readonly T[], current: T): T | null {
  const i = tabs.indexOf(current);
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return tabs[(i + 1) % tabs.length]!;
    case 'ArrowLeft':
    case 'ArrowUp':
      return tabs[(i - 1 + tabs.length) % tabs.length]!;
    case 'Home':
      return tabs[0]!;
    case 'End':
      return tabs[tabs.length - 1]!;
    default:
      return null;
  }
}

/** Handles a key on a tab: selects and focuses the tab it leads to. */
export function onTabKeyDown<T extends string>(e: React.KeyboardEvent<HTMLElement>, tabs: readonly T[], current: T, select: (t: T) => void, idOf: (t: T) => string): void {
  const next = tabKey(e.key, tabs, current);
  if (next === null) return;
  e.preventDefault();
  e.stopPropagation(); // arrows here choose a tab, they do not walk
  select(next);
  document.getElementById(idOf(next))?.focus();
}
