/** Size of one map tile on screen, in CSS pixels. */
export const TILE_PX = 28;
