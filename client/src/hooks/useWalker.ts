import { useEffect, useState } from 'react';
import { nextStep, type Tile } from '../game/path';
import { Walker } from '../game/walker';
import { realClock } from '../net/clock';
import type { Connection } from '../net/connection';

/**
 * The walker for this connection: keys, the pad and tap-to-move all go through it, so moves
 * leave at the allowed rate. `target` is where a tap-to-move walk is heading (null when none).
 */
export function useWalker(connection: Connection | null, onNoWay: () => void): { walker: Walker | null; target: Tile | null; walkTo: (t: Tile) => void } {
  const [walker, setWalker] = useState<Walker | null>(null);
  const [target, setTarget] = useState<Tile | null>(null);
  useEffect(() => {
    if (!connection) return;
    const w = new Walker({
      clock: realClock,
      send: (direction) => connection.send({ type: 'intent.move', payload: { direction } }),
      canMove: () => connection.getView().status.kind === 'live',
      plan: (t) => {
        const game = connection.getView().game;
        return game ? nextStep(game, t) : { kind: 'no_path' };
      },
      onWalkEnd: (outcome) => {
        setTarget(null);
        if (outcome === 'no_path') onNoWay();
      },
    });
    setWalker(w);
    return () => w.stop();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- onNoWay only says so; the walker lives as long as the connection
  }, [connection]);
  const walkTo = (t: Tile) => {
    if (!walker) return;
    setTarget(t);
    walker.walkTo(t);
  };
  return { walker, target, walkTo };
}
