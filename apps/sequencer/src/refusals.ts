import type { JsMsg } from '@nats-io/jetstream';
import type { IntentEnvelope, Logger } from '@tilemud/runtime';
import type { Answer } from './acks';
import { atomicRollback, isMultiStep, unavailable } from './intents';
import { Outage } from './outage';

/** How long an enter, leave or hand-over waits before JetStream offers it again while the log is away. */
const HOLD_DELAY_MS = 2000;

/**
 * The sequencer's answers to intents it could not decide, because the event log could not take
 * them. None of them is ever `applied`: that ack waits for a commit.
 */
export class Refusals {
  readonly outage: Outage;

  constructor(
    /** The intent in a message (screened on arrival), or undefined once it has been answered. */
    private readonly parse: (msg: JsMsg) => IntentEnvelope | undefined,
    /** Sends answers, those of one pass together (`AckSender.send`). */
    private readonly reply: (answers: readonly Answer[]) => void,
    private readonly logger: Logger,
  ) {
    this.outage = new Outage(logger);
  }

  /**
   * Answers intents without deciding them, while the log cannot be written (paused, or an append
   * just failed for want of PostgreSQL). A player's intent is refused UNAVAILABLE (retryable) rather
   * than held: nothing of it was recorded, so the client may send it again under the same intentSeq
   * and it applies once (or, if a commit cut off by the outage had in fact landed, it is answered
   * `duplicate` with its seq); the player hears at once that nothing happened, whereas a move held
   * through an outage of unknown length would land long after it was meant (the client never takes
   * steps blind either, client/src/net/intents.ts). An enter, a leave or a hand-over is nak'd for redelivery instead: a hand-over must arrive, and
   * the gateway takes any answer to a leave as done, so they are decided once the log is back.
   */
  holdBack(msgs: JsMsg[], err?: Error): void {
    const answers: Answer[] = [];
    const refused: JsMsg[] = [];
    let held = 0;
    for (const msg of msgs) {
      const env = this.parse(msg);
      if (!env) continue;
      if (env.kind !== 'player') {
        msg.nak(HOLD_DELAY_MS);
        held++;
        continue;
      }
      answers.push({ env, outcome: { status: 'rejected', error: err && isMultiStep(env) ? atomicRollback() : unavailable('the event log is unavailable; retry the intent') } });
      refused.push(msg);
    }
    // Answered first, then taken off the queue, as a decided intent is.
    this.reply(answers);
    for (const msg of refused) msg.ack();
    this.outage.answered(answers.length, held, err);
  }

  /**
   * The append failed for this intent alone: it was not decided. A player resends it under the same
   * intentSeq (UNAVAILABLE, or ACTION_ATOMIC_ROLLBACK for a multi-step action); a hand-over is
   * redelivered by JetStream and, failing that, found again by the recovery scan.
   */
  refuse(msg: JsMsg, err: Error): void {
    const env = this.parse(msg);
    if (!env) return;
    if (env.kind === 'handover') {
      msg.nak(1000);
      return;
    }
    this.reply([{ env, outcome: { status: 'rejected', error: isMultiStep(env) ? atomicRollback() : unavailable('the event log is unavailable; retry the intent') } }]);
    msg.ack();
    this.logger.warn({ err: err.message, characterId: env.characterId }, 'intent refused: append failed');
  }
}
