import type { z } from 'zod';
import type { WorldEvent } from '../events';
import { accept, Decision, reject } from '../errors';
import { WorldDraft } from '../evolve';
import type { CharacterState, WorldState } from '../state';

/** One step of an action: decided against the state left by the steps before it, and their events. */
export type ActionStep<P> = (state: WorldState, actor: CharacterState, payload: P, earlier: readonly WorldEvent[]) => Decision<WorldEvent>;

/**
 * An action players can ask for with `intent.action`: a schema for its fields and its steps.
 * A refusal in the first step is the action's own refusal (ITEM_NOT_FOUND, NOT_ADJACENT, ...).
 * Every later step runs on the state after the earlier ones; a refusal there undoes the whole
 * action (nothing is kept) and answers ACTION_ATOMIC_ROLLBACK with the step and its cause.
 */
export interface ActionHandler<P> {
  action: string;
  schema: z.ZodType<P>;
  steps: readonly ActionStep<P>[];
}

// Handlers are typed per action; the registry only needs to run them.
type AnyHandler = ActionHandler<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class ActionRegistry {
  private readonly handlers = new Map<string, AnyHandler>();

  register<P>(handler: ActionHandler<P>): this {
    if (this.handlers.has(handler.action)) throw new Error(`action ${handler.action} is registered twice`);
    this.handlers.set(handler.action, handler);
    return this;
  }

  names(): string[] {
    return [...this.handlers.keys()];
  }

  /**
   * Whether an action has more than one step: an append that fails part way must answer it
   * ACTION_ATOMIC_ROLLBACK (nothing of it kept), not a plain retry. An unknown action has none.
   */
  isMultiStep(action: string): boolean {
    return (this.handlers.get(action)?.steps.length ?? 0) > 1;
  }

  decide(state: WorldState, actor: CharacterState, payload: { action: string } & Record<string, unknown>): Decision<WorldEvent> {
    const handler = this.handlers.get(payload.action);
    if (!handler) return reject('UNKNOWN_ACTION', `there is no action "${String(payload.action).slice(0, 64)}"`, { actions: this.names() });
    const parsed = handler.schema.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return reject('VALIDATION_FAILED', `${handler.action}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
    }
    const events: WorldEvent[] = [];
    // A draft holds the intermediate states; dropping it is the rollback.
    const draft = new WorldDraft(state);
    for (const [i, step] of handler.steps.entries()) {
      const me = draft.state.characters.get(actor.id);
      const d = me ? step(draft.state, me, parsed.data, events) : reject<WorldEvent>('NOT_IN_WORLD', 'the character is not in this world');
      if (!d.ok) {
        if (i === 0) return d;
        return reject('ACTION_ATOMIC_ROLLBACK', `${handler.action} could not complete (step ${i + 1}: ${d.rejection.message}); nothing was changed`, {
          action: handler.action,
          failedStep: i + 1,
          cause: d.rejection.code,
        });
      }
      draft.apply(d.events);
      events.push(...d.events);
    }
    return accept(events);
  }
}
