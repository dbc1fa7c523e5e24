// `--pin`: the load harness on one CPU, the apps the bench starts (sequencer, projector, gateways)
// on the others, with taskset (util-linux). PostgreSQL, NATS and Redis are the machine's services,
// not the bench's: they are left where they are (on every CPU). The pure parts (CPU lists, the
// split, the wrapped command) are apart from the one look at the machine (resolvePin).

import { spawnSync } from 'node:child_process';

/** `0-2,4` -> [0, 1, 2, 4] (the kernel's and taskset's list syntax); throws on anything else. */
export function parseCpuList(text) {
  const cpus = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`not a CPU list: ${JSON.stringify(text)}`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new Error(`not a CPU list: ${JSON.stringify(text)}`);
    for (let c = from; c <= to; c++) cpus.push(c);
  }
  return [...new Set(cpus)].sort((a, b) => a - b);
}

/**
 * The split of the CPUs this process may use: the harness gets the last one, the apps the rest.
 * Answers { harness, apps } as taskset lists (e.g. '1' and '0'), or { reason } when there is no split.
 */
export function splitCpus(cpus) {
  if (cpus.length < 2) return { reason: `only ${cpus.length} CPU allowed to this process: nothing to pin apart` };
  return { harness: String(cpus[cpus.length - 1]), apps: cpus.slice(0, -1).join(',') };
}

/** [command, args] run on `cpus` (a taskset list); unchanged when cpus is null. */
export function pinnedCommand(cpus, command, args) {
  return cpus ? ['taskset', ['-c', cpus, command, ...args]] : [command, args];
}

/**
 * What `--pin` does on this machine: { requested, pinned, harness, apps, note }. Without taskset
 * or without two CPUs it runs unpinned and says why (note), rather than failing the bench.
 */
export function resolvePin(requested, run = spawnSync) {
  const out = { requested, pinned: false, harness: null, apps: null, note: null };
  if (!requested) return out;
  const probe = run('taskset', ['-pc', String(process.pid)], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    out.note = `taskset (util-linux) is not usable here (${probe.error?.code ?? `exit ${probe.status}`}): running unpinned`;
    return out;
  }
  let split;
  try {
    // "pid 123's current affinity list: 0,1"
    split = splitCpus(parseCpuList(probe.stdout.split(':').pop()));
  } catch (err) {
    split = { reason: err.message };
  }
  if (split.reason) {
    out.note = `${split.reason}: running unpinned`;
    return out;
  }
  return { ...out, pinned: true, harness: split.harness, apps: split.apps, note: 'PostgreSQL, NATS and Redis (system services) are not pinned' };
}

/** The CPUs of a kind of process ('harness' or 'apps') under a resolved pin; null when unpinned. */
export const cpusFor = (pin, kind) => (pin?.pinned ? pin[kind] : null);
