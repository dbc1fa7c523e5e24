import { createConnection, createServer, Server, Socket } from 'node:net';
import { Transform } from 'node:stream';

/**
 * A TCP proxy of our own between apps and one real service (PostgreSQL, Redis, NATS), so that a
 * fault drill can cut that service for the apps behind the proxy without touching the shared
 * instance every other test uses. `cut()` resets every open connection and every new one until
 * `restore()`, which is what a crashed or unreachable server looks like to a client.
 */
export class TcpProxy {
  private server?: Server;
  private readonly pairs = new Set<Socket>();
  private isCut = false;
  private isSwallowing = false;
  /** Bytes from clients dropped by `swallow()`. */
  swallowed = 0;
  port = 0;
  /** Connections accepted and refused, for the drills' reports. */
  accepted = 0;
  refused = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** e.g. `TcpProxy.for('redis://127.0.0.1:6379')`. */
  static for(url: string): TcpProxy {
    const u = new URL(url);
    return new TcpProxy(u.hostname, Number(u.port));
  }

  async start(): Promise<this> {
    const server = createServer((client) => this.onConnection(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    return this;
  }

  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get cutNow(): boolean {
    return this.isCut;
  }

  /** Every connection through the proxy is reset, and so is each new one, until `restore()`. */
  cut(): void {
    this.isCut = true;
    for (const s of this.pairs) s.resetAndDestroy();
    this.pairs.clear();
  }

  restore(): void {
    this.isCut = false;
    this.isSwallowing = false;
  }

  /**
   * From now until `restore()`, what clients send goes nowhere while the connections stay open:
   * a link dying mid-send, before the reset a `cut()` then gives.
   */
  swallow(): void {
    this.isSwallowing = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private onConnection(client: Socket): void {
    if (this.isCut) {
      this.refused++;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    this.accepted++;
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.pairs.add(client);
    this.pairs.add(upstream);
    const end = () => {
      this.pairs.delete(client);
      this.pairs.delete(upstream);
      if (!client.destroyed) client.destroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    // Piped (with its backpressure) through a gate that drops what clients send while swallowing.
    const gate = new Transform({
      transform: (b: Buffer, _enc, done) => {
        if (!this.isSwallowing) return done(null, b);
        this.swallowed += b.length;
        done();
      },
    });
    client.pipe(gate).pipe(upstream);
    upstream.pipe(client);
  }
}
