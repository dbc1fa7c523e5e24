import type { JsMsg } from '@nats-io/jetstream';
import type { IntentEnvelope, Logger } from '@tilemud/runtime';
import { Outcome, screen } from './intents';

/**
 * The intents the sequencer holds, each screened once as it arrives so that no batch ever holds one
 * the log cannot store: a malformed message is terminated, one with an ill-formed string is refused
 * alone (validation, not retryable) and terminated; neither is decided. The envelope of an admitted
 * message is kept until the message is answered.
 */
export class Intake {
  private readonly envs = new WeakMap<JsMsg, IntentEnvelope>();

  constructor(
    private readonly reply: (env: IntentEnvelope, outcome: Outcome) => void,
    private readonly logger: Logger,
  ) {}

  /** True when the message is an intent to decide; otherwise it has been answered and terminated. */
  admit(msg: JsMsg): boolean {
    let data: unknown;
    try {
      data = msg.json();
    } catch {
      this.logger.warn('intent is not JSON; terminated');
      msg.term();
      return false;
    }
    const s = screen(data);
    if (s.ok) {
      this.envs.set(msg, s.env);
      return true;
    }
    if (s.env) {
      this.logger.warn({ characterId: s.env.characterId, worldId: s.env.worldId, details: s.error.details }, 'intent with an ill-formed string refused');
      this.reply(s.env, { status: 'rejected', error: s.error });
    } else {
      this.logger.warn({ why: s.why }, 'poison intent terminated');
    }
    msg.term();
    return false;
  }

  /** The intent of an admitted message, or undefined once it has been answered. */
  envelope(msg: JsMsg): IntentEnvelope | undefined {
    return this.envs.get(msg);
  }

  answered(msg: JsMsg): void {
    this.envs.delete(msg);
  }

  /** The messages of a batch not answered yet (a failure may come after part of it committed). */
  unanswered(msgs: readonly JsMsg[]): JsMsg[] {
    return msgs.filter((m) => this.envs.has(m));
  }
}
