import { compareSemver, EventVersionMismatch, parseSemver, PROTOCOL_VERSION } from '@tilemud/contracts';

/**
 * A client is compatible when its protocol MAJOR equals ours and its version (clientVersion when it
 * sends one, else its protocolVersion) is not below minClientVersion. Returns the refusal, or null.
 */
export function checkClientVersion(hello: { protocolVersion: string; clientVersion?: string | undefined }, minClientVersion: string, serverVersion: string): EventVersionMismatch | null {
  const protocol = parseSemver(hello.protocolVersion);
  const client = hello.clientVersion ?? hello.protocolVersion;
  const ours = parseSemver(PROTOCOL_VERSION)!;
  const ok = protocol !== null && protocol.major === ours.major && parseSemver(client) !== null && compareSemver(client, minClientVersion) >= 0;
  if (ok) return null;
  return { type: 'event.version_mismatch', clientVersion: client, serverVersion, minClientVersion, action: 'UPDATE_REQUIRED' };
}
