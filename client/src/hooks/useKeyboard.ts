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

export interface KeyHandlers {
  /** A movement key went down (the walker queues the step and repeats while it is held). */
  onMoveDown(d: Direction): void;
  /** It came up; no direction: everything is released (the window lost focus). */
  onMoveUp(d?: Direction): void;
  onDiagnostics(): void;
  onEnter(): void;
}

/**
 * Arrow keys and WASD move (not while typing in a field): a press is one step, a held key walks
 * on (the walker repeats it; the browser's own key repeat is ignored). F3 or ` toggles
 * diagnostics; Enter opens the chat.
 */
export function useKeyboard(h: KeyHandlers): void {
  const handlers = useRef(h);
  handlers.current = h;
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
      if (!e.repeat) handlers.current.onMoveDown(d);
    };
    const onUp = (e: KeyboardEvent) => {
      const d = directionOf(e.key);
      if (d) handlers.current.onMoveUp(d);
    };
    const onBlur = () => handlers.current.onMoveUp();
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onUp);
    window.addEventListener('blur', onBlur);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onUp);
      window.removeEventListener('blur', onBlur);
    };
  }, []);
}
