import { spawnSync } from 'node:child_process';

/** Debian's `prometheus` package ships both binaries; .ci/run installs it. */
export const PROMETHEUS_INSTALL_HINT = 'install Prometheus: apt-get install -y prometheus (Debian; .ci/run does it), or put prometheus and promtool on PATH';

/** Fails (never skips) with the install hint when `binary` is not on PATH. */
export function requireBinary(binary: 'prometheus' | 'promtool'): string {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || !path) throw new Error(`${binary} not found on PATH: ${PROMETHEUS_INSTALL_HINT}`);
  return path;
}
