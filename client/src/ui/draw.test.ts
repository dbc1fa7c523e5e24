import { cameraOrigin } from './draw';

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
