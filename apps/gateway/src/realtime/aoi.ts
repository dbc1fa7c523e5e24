import type { Change, Character, Facing } from '@tilemud/contracts';

/** A session's area of interest, in tiles (AOI_RADIUS, AOI_MARGIN); radius 0 is "the whole world". */
export interface AoiSettings {
  radius: number;
  margin: number;
}

/** Chebyshev distance: the view is a square around the viewer. */
export function chebyshev(a: { x: number; y: number }, b: { x: number; y: number }): number {
  return Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y));
}

/**
 * One client's view of one world: pure, fed every change of the world in seq order, it answers
 * the changes this client is to get. A character comes into view within `radius` of the viewer's
 * own character and stays in view until it is beyond `radius + margin` (so one stepping back and
 * forth on the edge is not added and dropped at every step). Coming into view is a
 * `character.joined` with `view: true` and the character's whole state; going out of it a
 * `character.left` with `view: true`. Chat and items are world-wide (items are few and change
 * rarely, and `item.removed` names no tile); joins, leaves, moves, presence, inventories and
 * emotes are the character's, so they go to those who see it.
 *
 * The lens holds the whole world's characters (shared immutable objects, one map per client) so
 * that it can hand over a character's state the moment it comes into view.
 */
export class ViewLens {
  /** Each character's state as of its last join, presence or inventory change (its place is in `at`). */
  private world = new Map<string, Character>();
  /**
   * Each character's place and facing packed in one number (`pack`): a move costs a lens one map
   * read and one write and no object, which matters with every session's lens fed every move of
   * the world.
   */
  private readonly at = new Map<string, number>();
  /** The viewer's own packed place (undefined while it is not in the world). */
  private me: number | undefined;
  private readonly visible = new Set<string>();
  /** Changes owed to the client before the next frame's own (see `resume`). */
  private prefix: Change[] = [];

  constructor(
    readonly viewerId: string,
    readonly settings: AoiSettings,
  ) {}

  /** What the client holds (for tests and diagnostics). */
  get seen(): ReadonlySet<string> {
    return this.visible;
  }

  /**
   * Starts from a full state (a snapshot): the characters the client is to be shown, i.e. those
   * within the radius of its own character (none other when it is not in the world).
   */
  reset(characters: readonly Character[]): Character[] {
    this.world = new Map();
    this.at.clear();
    this.me = undefined;
    this.visible.clear();
    this.prefix = [];
    for (const c of characters) this.put(c);
    const self = this.world.get(this.viewerId);
    const shown = self ? characters.filter((c) => chebyshev(c, self) <= this.settings.radius) : [];
    for (const c of shown) this.visible.add(c.id);
    return shown;
  }

  /**
   * Starts from the world as it stood at the client's last seq (a resume or a replay): the client
   * held everything within the radius and nothing beyond radius + margin, but what it held between
   * the two depends on its path; those are dropped (`character.left` with `view`, a no-op for a
   * client that did not hold them), so it continues exactly as a client shown this state fresh.
   */
  resume(characters: readonly Character[]): void {
    this.reset(characters);
    const self = this.world.get(this.viewerId);
    if (!self) return;
    const { radius, margin } = this.settings;
    // They go first in the next frame (a replay may have none, and a frame at or below the
    // client's seq would be ignored by it).
    this.prefix = characters.filter((c) => !this.visible.has(c.id) && chebyshev(c, self) <= radius + margin).map((c) => ({ op: 'character.left', id: c.id, view: true }));
  }

  /** The client's share of `changes` (in order), each applied to the lens's world as it goes. */
  filter(changes: readonly Change[]): Change[] {
    const out: Change[] = this.prefix;
    this.prefix = [];
    for (const c of changes) this.apply(c, out);
    return out;
  }

  private apply(c: Change, out: Change[]): void {
    switch (c.op) {
      case 'chat.message':
      case 'item.placed':
      case 'item.removed':
        out.push(c);
        return;
      case 'character.joined':
        this.put(c.character);
        if (c.character.id === this.viewerId) {
          this.visible.add(c.character.id);
          out.push(c);
          this.rescan(out);
        } else if (this.distance(this.at.get(c.character.id)!) <= this.settings.radius) {
          this.visible.add(c.character.id);
          out.push(c);
        }
        return;
      case 'character.moved': {
        if (this.at.get(c.id) === undefined) return;
        const p = pack(c.x, c.y, c.facing);
        this.at.set(c.id, p);
        if (c.id === this.viewerId) {
          this.me = p;
          out.push(c);
          this.rescan(out);
        } else this.follow(c.id, p, c, out);
        return;
      }
      case 'character.left':
        this.world.delete(c.id);
        this.at.delete(c.id);
        if (c.id === this.viewerId) this.me = undefined;
        if (this.visible.delete(c.id)) out.push(c);
        return;
      case 'character.presence':
        this.update(c.id, (ch) => (c.status === 'away' ? { ...ch, away: true } : withoutAway(ch)));
        if (this.visible.has(c.id)) out.push(c);
        return;
      case 'inventory.changed':
        this.update(c.characterId, (ch) => ({ ...ch, inventory: c.inventory }));
        if (this.visible.has(c.characterId)) out.push(c);
        return;
      case 'emote':
        if (this.visible.has(c.characterId)) out.push(c);
        return;
      default: {
        const unhandled: never = c;
        void unhandled;
      }
    }
  }

  private put(c: Character): void {
    this.world.set(c.id, c);
    const p = pack(c.x, c.y, c.facing);
    this.at.set(c.id, p);
    if (c.id === this.viewerId) this.me = p;
  }

  /** The character as it is now (its state with its current place), for a `view` join. */
  private current(id: string, p: number): Character {
    return { ...this.world.get(id)!, x: Math.floor(p / 262144), y: Math.floor(p / 4) % 65536, facing: FACINGS[p % 4]! };
  }

  /** Chebyshev distance of a packed place from the viewer; Infinity while the viewer is not in the world. */
  private distance(p: number): number {
    const me = this.me;
    if (me === undefined) return Infinity;
    return Math.max(Math.abs(Math.floor(me / 262144) - Math.floor(p / 262144)), Math.abs((Math.floor(me / 4) % 65536) - (Math.floor(p / 4) % 65536)));
  }

  /** One in view at `p` stays until beyond radius + margin (or, the viewer not in the world, stays). */
  private keeps(p: number): boolean {
    return this.me === undefined || this.distance(p) <= this.settings.radius + this.settings.margin;
  }

  /** Another character moved (to packed `p`): moved in view, came into view, or left it. */
  private follow(id: string, p: number, move: Change, out: Change[]): void {
    if (this.visible.has(id)) {
      if (this.keeps(p)) out.push(move);
      else {
        this.visible.delete(id);
        out.push({ op: 'character.left', id, view: true });
      }
    } else if (this.distance(p) <= this.settings.radius) {
      this.visible.add(id);
      out.push({ op: 'character.joined', character: this.current(id, p), view: true });
    }
  }

  /** The viewer moved (or arrived): everyone is looked at again. */
  private rescan(out: Change[]): void {
    for (const [id, p] of this.at) {
      if (id === this.viewerId) continue;
      if (this.visible.has(id)) {
        if (!this.keeps(p)) {
          this.visible.delete(id);
          out.push({ op: 'character.left', id, view: true });
        }
      } else if (this.distance(p) <= this.settings.radius) {
        this.visible.add(id);
        out.push({ op: 'character.joined', character: this.current(id, p), view: true });
      }
    }
  }

  private update(id: string, f: (c: Character) => Character): void {
    const c = this.world.get(id);
    if (c) this.world.set(id, f(c));
  }
}

const FACINGS: readonly Facing[] = ['north', 'south', 'east', 'west'];

/** A place and facing as one number: ((x * 65536) + y) * 4 + facing (coordinates below 65536). */
function pack(x: number, y: number, facing: Facing): number {
  return (x * 65536 + y) * 4 + FACINGS.indexOf(facing);
}

function withoutAway(c: Character): Character {
  const { away: _away, ...rest } = c;
  return rest;
}
