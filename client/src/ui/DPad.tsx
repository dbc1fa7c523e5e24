import type { Direction } from '@tilemud/contracts';

interface Props {
  /** A button went down: one step now, more while it is held. */
  onDown: (d: Direction) => void;
  onUp: (d: Direction) => void;
  disabled: boolean;
}

const BUTTONS: Array<[Direction, string, string]> = [
  ['north', '▲', 'up'],
  ['west', '◀', 'left'],
  ['east', '▶', 'right'],
  ['south', '▼', 'down'],
];

/** The on-screen direction pad (touch screens, small windows): press to step, hold to walk. */
export function DPad({ onDown, onUp, disabled }: Props) {
  return (
    <div className="dpad" role="group" aria-label="Move" data-testid="dpad">
      {BUTTONS.map(([d, glyph, area]) => (
        <button
          key={d}
          type="button"
          className={`dpad-${area}`}
          aria-label={`Move ${d}`}
          data-direction={d}
          disabled={disabled}
          onPointerDown={(e) => {
            e.preventDefault(); // no focus ring jump, no text selection on a long press
            e.currentTarget.setPointerCapture?.(e.pointerId);
            onDown(d);
          }}
          onPointerUp={() => onUp(d)}
          onPointerCancel={() => onUp(d)}
          onLostPointerCapture={() => onUp(d)}
          onContextMenu={(e) => e.preventDefault()}
          onKeyDown={(e) => {
            if ((e.key === 'Enter' || e.key === ' ') && !e.repeat) {
              e.preventDefault();
              e.stopPropagation();
              onDown(d);
              onUp(d);
            }
          }}
        >
          {glyph}
        </button>
      ))}
    </div>
  );
}
