import type { JsMsg } from '@nats-io/jetstream';
import type { IntentEnvelope, Logger, OutcomeError } from '@tilemud/runtime';
import type { Intake } from './intake';
import { Outcome, unstorable } from './intents';
import { commitIsolating, ContentRefusedError, PartResult } from './isolate';

/**
 * Group commit that no intent's content can spoil for its neighbours: a batch the log refuses for
 * what one row holds is split until the culprit is alone (`commitIsolating`), and that intent is
 * refused for good, recorded as a rejection of its own so that a resend gets the same answer.
 */
export class ContentRefusals {
  /** Intents the log refused for their content: decided as this rejection, never again as themselves. */
  private readonly unstorable = new WeakMap<JsMsg, OutcomeError>();

  constructor(
    /** Decides and appends a part of a batch in one transaction (throws ContentRefusedError when the log refuses its content). */
    private readonly decideAndAppend: (msgs: readonly JsMsg[]) => Promise<void>,
    private readonly intake: Intake,
    private readonly reply: (env: IntentEnvelope, outcome: Outcome) => void,
    private readonly logger: Logger,
  ) {}

  /** Decides and appends the batch, part by part if the log refuses some intent's content. Any other failure rejects. */
  commit(msgs: readonly JsMsg[]): Promise<void> {
    return commitIsolating(
      msgs,
      (part) => this.tryBatch(part),
      (m, why) => this.refuseAlone(m, why),
    );
  }

  /** The rejection an intent is decided as, when the log refused it before. */
  refusedAs(msg: JsMsg): OutcomeError | undefined {
    return this.unstorable.get(msg);
  }

  /** Decides and appends a part of a batch; `ok: false` when the log refused its content (nothing committed). */
  private async tryBatch(msgs: readonly JsMsg[]): Promise<PartResult<ContentRefusedError>> {
    try {
      await this.decideAndAppend(msgs);
      return { ok: true };
    } catch (err) {
      if (!(err instanceof ContentRefusedError)) throw err;
      if (msgs.length > 1) this.logger.warn({ sqlstate: err.sqlstate, err: err.pgError.message, batch: msgs.length }, 'the event log refused a batch for its content; isolating the intent');
      return { ok: false, reason: err };
    }
  }

  /**
   * The one intent the log will not store: refused for good (a rejection of its own, recorded so a
   * resend gets the same answer), never UNAVAILABLE, which would have its client send it forever.
   */
  private async refuseAlone(msg: JsMsg, why: ContentRefusedError): Promise<void> {
    const env = this.intake.envelope(msg)!;
    const intent = { kind: env.kind, characterId: env.characterId, ...(env.kind === 'player' ? { intentSeq: env.intentSeq } : {}) };
    this.logger.error({ sqlstate: why.sqlstate, err: why.pgError.message, ...intent }, 'intent refused alone: the event log will not store it');
    if (env.kind === 'handover') return msg.term(); // it would fail the same way on every redelivery
    const error = unstorable(why.sqlstate);
    this.unstorable.set(msg, error);
    const recorded = await this.tryBatch([msg]);
    if (recorded.ok) return;
    this.reply(env, { status: 'rejected', error });
    this.intake.answered(msg);
    msg.term();
  }
}
