import { useEffect, useRef } from 'react';
import type { Direction } from '@tilemud/contracts';

const KEYS: Readonly<Record<string, Direction>> = {
  ArrowUp: 'north',
  ArrowDown: 'south',
  ArrowLeft: 'west',
  ArrowRight: 'east',
  w: 'north',
  s: 'south',
  a: 'west',
  d: 'east',
};

/** The direction a key moves in (arrows and WASD), or undefined. */
export function directionOf(key: string): Direction | undefined {
  return KEYS[key.length === 1 ? key.toLowerCase() : key];
}

/** Keys that toggle the diagnostics overlay. */
export function isDiagnosticsKey(key: string): boolean {
  return key === 'F3' || key === '`';
}

function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

/**
 * Arrow keys and WASD move (not while typing in a field); F3 or ` toggles diagnostics; Enter
 * opens the chat.
 */
export function useKeyboard(onMove: (d: Direction) => void, onDiagnostics: () => void, onEnter: () => void): void {
  const handlers = useRef({ onMove, onDiagnostics, onEnter });
  handlers.current = { onMove, onDiagnostics, onEnter };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (isDiagnosticsKey(e.key) && !(e.key === '`' && typingIn(e.target))) {
        e.preventDefault();
        handlers.current.onDiagnostics();
        return;
      }
      if (typingIn(e.target)) return;
      if (e.key === 'Enter' && !(e.target instanceof HTMLButtonElement)) {
        e.preventDefault();
        handlers.current.onEnter();
        return;
      }
      const d = directionOf(e.key);
      if (!d) return;
      e.preventDefault();
      handlers.current.onMove(d);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

