import { cameraOrigin, tileAt, viewCamera } from './draw';

describe('camera', () => {
  const map = { width: 64, height: 40 };
  it('centres on the player', () => {
    expect(cameraOrigin(map, { x: 30, y: 20 }, 20, 10)).toEqual({ x: 20, y: 15 });
  });
  it('does not look past the edges', () => {
    expect(cameraOrigin(map, { x: 1, y: 1 }, 20, 10)).toEqual({ x: 0, y: 0 });
    expect(cameraOrigin(map, { x: 63, y: 39 }, 20, 10)).toEqual({ x: 44, y: 30 });
  });
  it('centres a map smaller than the view', () => {
    expect(cameraOrigin({ width: 10, height: 4 }, { x: 1, y: 1 }, 20, 10)).toEqual({ x: -5, y: -3 });
  });
});

describe('tapping the map', () => {
  it('finds the tile under a point of a view that follows the player', () => {
    const map = { width: 64, height: 40 };
    const cam = viewCamera(map, { x: 30, y: 20 }, 28 * 10, 28 * 6); // 10×6 tiles, player in the middle
    expect(cam).toEqual({ x: 25, y: 17 });
    expect(tileAt(cam, 5 * 28 + 3, 3 * 28 + 27)).toEqual({ x: 30, y: 20 });
    expect(tileAt(cam, 0, 0)).toEqual({ x: 25, y: 17 });
  });
});
