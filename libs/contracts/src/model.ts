import { z } from 'zod';
import { SNAPSHOT_CHAT_LIMIT } from './limits';
import { wellFormedString } from './text';

/** Opaque identifier (players, characters, worlds, items, messages, sessions); no control characters. */
export const IdSchema = wellFormedString('line').min(1).max(128);
export type Id = z.infer<typeof IdSchema>;

/** Tile coordinate; `{x:0, y:0}` is the top-left corner. */
export const CoordinateSchema = z.number().int().nonnegative();

/** World event sequence number: monotonic and gapless per world. */
export const SeqSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export type Seq = z.infer<typeof SeqSchema>;

export const DIRECTIONS = ['north', 'south', 'east', 'west'] as const;
export const DirectionSchema = z.enum(DIRECTIONS);
export type Direction = z.infer<typeof DirectionSchema>;

/** The way a character looks: the direction of its last move. */
export const FacingSchema = DirectionSchema;
export type Facing = Direction;

/** One step in each direction; `north` is `y - 1`. */
export const DIRECTION_VECTORS: Readonly<Record<Direction, { dx: number; dy: number }>> = {
  north: { dx: 0, dy: -1 },
  south: { dx: 0, dy: 1 },
  east: { dx: 1, dy: 0 },
  west: { dx: -1, dy: 0 },
};

/** Tile characters of `WorldMap.tiles`. More kinds may come. */
export const Tile = {
  FLOOR: '.',
  WALL: '#',
  WATER: '~',
  PORTAL: '>',
} as const;
export type Tile = (typeof Tile)[keyof typeof Tile];

/** A client treats any tile it does not know as impassable. */
export function isPassableTile(tile: string | undefined): boolean {
  return tile === Tile.FLOOR || tile === Tile.PORTAL;
}

export const PlayerSchema = z.object({
  id: IdSchema,
  username: z.string().min(1),
});
export type Player = z.infer<typeof PlayerSchema>;

export const InventoryItemSchema = z.object({
  id: IdSchema,
  kind: z.string().min(1),
});
export type InventoryItem = z.infer<typeof InventoryItemSchema>;

export const CharacterSchema = z.object({
  id: IdSchema,
  name: z.string().min(1),
  worldId: IdSchema,
  x: CoordinateSchema,
  y: CoordinateSchema,
  facing: FacingSchema,
  inventory: z.array(InventoryItemSchema),
  /** Addition: present (and true) while its session is gone and it waits out the resume window. */
  away: z.literal(true).optional(),
});
export type Character = z.infer<typeof CharacterSchema>;

/** An item lying on a tile. */
export const ItemSchema = z.object({
  id: IdSchema,
  kind: z.string().min(1),
  x: CoordinateSchema,
  y: CoordinateSchema,
});
export type Item = z.infer<typeof ItemSchema>;

export const WorldSummarySchema = z.object({
  id: IdSchema,
  name: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** The world's current event seq. */
  seq: SeqSchema,
});
export type WorldSummary = z.infer<typeof WorldSummarySchema>;

export const PortalSchema = z.object({
  x: CoordinateSchema,
  y: CoordinateSchema,
  toWorldId: IdSchema,
  toX: CoordinateSchema,
  toY: CoordinateSchema,
});
export type Portal = z.infer<typeof PortalSchema>;

/** A world with its map: `tiles` is `height` rows of `width` tile characters. */
export const WorldMapSchema = WorldSummarySchema.extend({
  tiles: z.array(z.string()),
  portals: z.array(PortalSchema),
}).superRefine((world, ctx) => {
  if (world.tiles.length !== world.height) {
    ctx.addIssue({ code: 'custom', path: ['tiles'], message: `expected ${world.height} rows` });
  }
  world.tiles.forEach((row, y) => {
    // Tile kinds are single BMP characters, so code units are characters here.
    if (row.length !== world.width) {
      ctx.addIssue({ code: 'custom', path: ['tiles', y], message: `expected ${world.width} tiles` });
    }
  });
  world.portals.forEach((p, i) => {
    if (p.x >= world.width || p.y >= world.height) {
      ctx.addIssue({ code: 'custom', path: ['portals', i], message: 'portal outside the map' });
    }
  });
});
export type WorldMap = z.infer<typeof WorldMapSchema>;

export const ChatMessageSchema = z.object({
  id: IdSchema,
  /** The speaking character. */
  from: z.object({ id: IdSchema, name: z.string() }),
  text: z.string(),
  /** ISO 8601 time the message was accepted. */
  at: z.iso.datetime({ offset: true }),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** A world's full state, as sent in a full `event.state_delta` and by the snapshot endpoint. */
export const SnapshotSchema = z.object({
  world: WorldMapSchema,
  characters: z.array(CharacterSchema),
  items: z.array(ItemSchema),
  /** The latest chat messages, oldest first. */
  chat: z.array(ChatMessageSchema).max(SNAPSHOT_CHAT_LIMIT),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;
