import type { Request } from 'express';

/** The caller's address for per-address limits: Express's `req.ip` (which honours TRUST_PROXY), IPv4 unmapped. */
export function clientAddress(req: Request): string {
  const ip = req.ip ?? req.socket?.remoteAddress ?? 'unknown';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
