import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';
import type { Server } from 'ws';
import type WebSocket from 'ws';
import type { Logger } from '@tilemud/runtime';
import { ClientFaultLog } from './log-throttle';

/**
 * Nest's WsAdapter logs every error of every client socket at error level. Those are the client's
 * faults (a frame over the size limit, invalid UTF-8, a bad opcode), which ws answers by closing
 * the socket (1009, 1007, 1002): they are logged at info, at most one line per kind per 10 s.
 * Errors of the server itself stay errors. Frames are decoded by the session, so the parser
 * returns nothing and Nest's {event, data} router never parses a frame a second time.
 */
export class GatewayWsAdapter extends WsAdapter {
  private readonly faults: ClientFaultLog;

  constructor(
    app: INestApplicationContext,
    private readonly log: Logger,
  ) {
    super(app, { messageParser: () => undefined });
    this.faults = new ClientFaultLog(log);
  }

  /**
   * Nest binds every socket's frames to the @SubscribeMessage handlers through rxjs pipes (a
   * handful of subscriptions and closures per socket, kept for its whole life). The gateway has
   * no such handler (the session reads its socket itself, ws-socket.ts), so nothing is bound.
   */
  override bindMessageHandlers(client: WebSocket, handlers: MessageMappingProperties[], transform: (data: unknown) => Observable<unknown>): void {
    if (handlers.length > 0) super.bindMessageHandlers(client, handlers, transform);
  }

  /** Nest's hook for handleDisconnect, which the gateway does not have: no listener kept per socket for it. */
  override bindClientDisconnect(): void {}

  override bindErrorHandler(server: Server): Server {
    server.on('connection', (ws: WebSocket) => ws.on('error', (err: Error & { code?: string }) => this.faults.note(err.code ?? 'WS_ERROR', err.message)));
    server.on('error', (err: Error) => this.log.error({ err: err.message }, 'WebSocket server error'));
    return server;
  }
}
