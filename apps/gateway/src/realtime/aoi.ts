import type { Change, Character } from '@tilemud/contracts';

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
  private world = new Map<string, Character>();
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
    this.world = new Map(characters.map((c) => [c.id, c]));
    this.visible.clear();
    this.prefix = [];
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
        this.world.set(c.character.id, c.character);
        if (c.character.id === this.viewerId) {
          this.visible.add(c.character.id);
          out.push(c);
          this.rescan(out);
        } else if (this.inView(c.character)) {
          this.visible.add(c.character.id);
          out.push(c);
        }
        return;
      case 'character.moved': {
        const was = this.world.get(c.id);
        if (!was) return;
        const now = { ...was, x: c.x, y: c.y, facing: c.facing };
        this.world.set(c.id, now);
        if (c.id === this.viewerId) {
          out.push(c);
          this.rescan(out);
        } else this.follow(now, c, out);
        return;
      }
      case 'character.left':
        this.world.delete(c.id);
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

  /** Within the radius of the viewer (who must be in the world). */
  private inView(c: { x: number; y: number }): boolean {
    const self = this.world.get(this.viewerId);
    return !!self && chebyshev(c, self) <= this.settings.radius;
  }

  /** Still within radius + margin of the viewer (one already in view stays until beyond it). */
  private keeps(c: { x: number; y: number }): boolean {
    const self = this.world.get(this.viewerId);
    return !self || chebyshev(c, self) <= this.settings.radius + this.settings.margin;
  }

  /** Another character moved: moved in view, came into view, or left it. */
  private follow(now: Character, move: Change, out: Change[]): void {
    if (this.visible.has(now.id)) {
      if (this.keeps(now)) out.push(move);
      else {
        this.visible.delete(now.id);
        out.push({ op: 'character.left', id: now.id, view: true });
      }
    } else if (this.inView(now)) {
      this.visible.add(now.id);
      out.push({ op: 'character.joined', character: now, view: true });
    }
  }

  /** The viewer moved (or arrived): everyone is looked at again. */
  private rescan(out: Change[]): void {
    for (const ch of this.world.values()) {
      if (ch.id === this.viewerId) continue;
      if (this.visible.has(ch.id)) {
        if (!this.keeps(ch)) {
          this.visible.delete(ch.id);
          out.push({ op: 'character.left', id: ch.id, view: true });
        }
      } else if (this.inView(ch)) {
        this.visible.add(ch.id);
        out.push({ op: 'character.joined', character: ch, view: true });
      }
    }
  }

  private update(id: string, f: (c: Character) => Character): void {
    const c = this.world.get(id);
    if (c) this.world.set(id, f(c));
  }
}

function withoutAway(c: Character): Character {
  const { away: _away, ...rest } = c;
  return rest;
}
