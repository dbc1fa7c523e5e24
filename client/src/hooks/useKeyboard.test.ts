import { directionOf, isDiagnosticsKey } from './useKeyboard';

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
