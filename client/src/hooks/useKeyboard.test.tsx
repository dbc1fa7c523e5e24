/** @jest-environment jsdom */
import { fireEvent, render } from '@testing-library/react';
import type { Direction } from '@tilemud/contracts';
import { directionOf, isDiagnosticsKey, useKeyboard } from './useKeyboard';

function Keys({ log }: { log: string[] }) {
  useKeyboard({
    onMoveDown: (d: Direction) => log.push(`down ${d}`),
    onMoveUp: (d?: Direction) => log.push(`up ${d ?? 'all'}`),
    onDiagnostics: () => log.push('diagnostics'),
    onEnter: () => log.push('enter'),
  });
  return <input aria-label="field" />;
}

describe('useKeyboard: hold-to-walk', () => {
  it('reports a key going down once (the browser repeat is ignored) and coming up', () => {
    const log: string[] = [];
    render(<Keys log={log} />);
    fireEvent.keyDown(window, { key: 'ArrowUp' });
    fireEvent.keyDown(window, { key: 'ArrowUp', repeat: true });
    fireEvent.keyDown(window, { key: 'ArrowUp', repeat: true });
    fireEvent.keyUp(window, { key: 'ArrowUp' });
    fireEvent.keyDown(window, { key: 'd' });
    fireEvent(window, new Event('blur'));
    expect(log).toEqual(['down north', 'up north', 'down east', 'up all']);
  });

  it('does not walk while typing', () => {
    const log: string[] = [];
    const { getByLabelText } = render(<Keys log={log} />);
    fireEvent.keyDown(getByLabelText('field'), { key: 'w' });
    expect(log).toEqual([]);
  });
});

describe('keys', () => {
  it('moves with the arrow keys and WASD (either case)', () => {
    expect(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'].map(directionOf)).toEqual(['north', 'south', 'west', 'east']);
    expect(['w', 'a', 's', 'd', 'W', 'D'].map(directionOf)).toEqual(['north', 'west', 'south', 'east', 'north', 'east']);
    expect(directionOf('q')).toBeUndefined();
  });

  it('toggles diagnostics with F3 or backquote', () => {
    expect(['F3', '`', 'F4'].map(isDiagnosticsKey)).toEqual([true, true, false]);
  });
});
