import { z } from 'zod';

/** Version of the wire contract (docs/protocol.md). Bump MAJOR only for breaking changes. */
export const PROTOCOL_VERSION = '1.0.0' as const;

export interface Semver {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers (`1.0.0-rc.1` → `['rc', '1']`); empty for a release. */
  prerelease: string[];
}

// semver.org 2.0.0, without leading zeros; build metadata is accepted and ignored.
const SEMVER_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** A semver string such as `1.2.3` or `1.2.3-rc.1+build.5`. */
export const SemverStringSchema = z.string().max(256).regex(SEMVER_RE, 'expected a semver version like 1.2.3');
export type SemverString = z.infer<typeof SemverStringSchema>;

/** Parses a semver string; returns `null` when it is not one (never throws). */
export function parseSemver(version: string): Semver | null {
  if (version.length > 256) return null;
  const m = SEMVER_RE.exec(version);
  if (!m) return null;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] === undefined ? [] : m[4].split('.'),
  };
}

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function comparePrerelease(a: string[], b: string[]): -1 | 0 | 1 {
  // A release ranks above any of its pre-releases.
  if (a.length === 0 || b.length === 0) return sign(b.length - a.length);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xNum = /^\d+$/.test(x);
    const yNum = /^\d+$/.test(y);
    if (xNum && yNum) return sign(Number(x) - Number(y));
    if (xNum) return -1; // numeric identifiers rank below alphanumeric ones
    if (yNum) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function semverOf(v: string | Semver): Semver {
  if (typeof v !== 'string') return v;
  const parsed = parseSemver(v);
  if (!parsed) throw new TypeError(`not a semver version: ${v}`);
  return parsed;
}

/**
 * Semver precedence: -1 when `a` is older than `b`, 0 when equal, 1 when newer.
 * Throws when either is not a semver string.
 */
export function compareSemver(a: string | Semver, b: string | Semver): -1 | 0 | 1 {
  const x = semverOf(a);
  const y = semverOf(b);
  return sign(x.major - y.major) || sign(x.minor - y.minor) || sign(x.patch - y.patch) || comparePrerelease(x.prerelease, y.prerelease);
}

/**
 * The contract's compatibility rule: the client's MAJOR equals the server
 * protocol's MAJOR, and the client is not older than `minClientVersion`.
 * Anything unparsable is incompatible, so a garbage version gets
 * "update required" rather than an error.
 */
export function isCompatible(clientVersion: string, serverProtocolVersion: string, minClientVersion: string): boolean {
  const client = parseSemver(clientVersion);
  const server = parseSemver(serverProtocolVersion);
  const min = parseSemver(minClientVersion);
  if (!client || !server || !min) return false;
  return client.major === server.major && compareSemver(client, min) >= 0;
}
