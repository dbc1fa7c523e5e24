import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { z } from 'zod';
import { SemverStringSchema } from '@tilemud/contracts';
import type { Logger, Topology } from '@tilemud/runtime';
import { GATEWAY_ID, LOGGER, NATS, TOPOLOGY } from '../tokens';

/**
 * What one gateway (or the ops command) tells every gateway on the control subject. Validated on
 * receipt like any other boundary; scripts/ops.mjs publishes the `min_client_version` shape.
 */
const ControlMessageSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('session_end'),
    reason: z.enum(['replaced', 'logout']),
    playerId: z.string().min(1).max(128),
    /** The one session to end; absent: every session of the player started before `at`, except `keep`. */
    sessionId: z.string().min(1).max(128).optional(),
    keepSessionId: z.string().min(1).max(128).optional(),
    at: z.number(),
    from: z.string().max(128),
  }),
  z.object({ kind: z.literal('min_client_version'), minClientVersion: SemverStringSchema, from: z.string().max(128) }),
]);
export type ControlMessage = z.infer<typeof ControlMessageSchema>;
type Kind = ControlMessage['kind'];
type Handler<K extends Kind> = (m: Extract<ControlMessage, { kind: K }>) => void;

/** Broadcast among gateways over core NATS (`<prefix>.control`): fire and forget, every instance hears it. */
@Injectable()
export class ControlService implements OnModuleInit, OnModuleDestroy {
  private sub?: Subscription;
  private readonly handlers = new Map<Kind, Array<(m: ControlMessage) => void>>();

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(TOPOLOGY) private readonly t: Topology,
    @Inject(GATEWAY_ID) readonly gatewayId: string,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.sub = this.nc.subscribe(this.t.controlSubject, {
      callback: (err, msg) => {
        if (err) return;
        const parsed = ControlMessageSchema.safeParse(safeJson(msg.data));
        if (!parsed.success) {
          this.logger.warn('malformed control message dropped');
          return;
        }
        for (const h of this.handlers.get(parsed.data.kind) ?? []) {
          try {
            h(parsed.data);
          } catch (e) {
            this.logger.error({ err: (e as Error).message, kind: parsed.data.kind }, 'control handler failed');
          }
        }
      },
    });
  }

  onModuleDestroy(): void {
    this.sub?.unsubscribe();
  }

  on<K extends Kind>(kind: K, handler: Handler<K>): void {
    const list = this.handlers.get(kind) ?? [];
    list.push(handler as (m: ControlMessage) => void);
    this.handlers.set(kind, list);
  }

  publish(m: ControlMessage): void {
    try {
      this.nc.publish(this.t.controlSubject, JSON.stringify(m));
    } catch (err) {
      // NATS closed (shutting down): the message is lost, as a broadcast may be.
      this.logger.warn({ err: (err as Error).message, kind: m.kind }, 'control message not sent');
    }
  }
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}
