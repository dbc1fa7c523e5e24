// CPU time, read from /proc: how much of a core each app used during a load step, and how busy
// the whole machine was (with the hypervisor's steal). Latency on a shared two-core machine swings
// with what else runs; CPU time per acked intent is the figure that says what the code costs.
// PostgreSQL, NATS and Redis are read too (named `postgres*`, `nats*`, `redis*`: every process of
// that name on the machine), as what the apps ask of them costs CPU on the same cores.

import { readdirSync, readFileSync } from 'node:fs';

/** utime + stime of /proc/<pid>/stat, in clock ticks (fields 14 and 15; the name may hold spaces). */
export function parseProcStat(text) {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The `cpu` line of /proc/stat: { busy, idle, steal, total } in ticks. */
export function parseMachineStat(text) {
  const [, ...v] = text.split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = v;
  const idleAll = idle + iowait;
  const busy = user + nice + system + irq + softirq;
  return { busy, idle: idleAll, steal, total: busy + idleAll + steal };
}

const TICKS_PER_S = 100; // USER_HZ on Linux

function read(path, parse) {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch {
    return null; // not Linux, or the process is gone
  }
}

/** The machine's services by process name (/proc/<pid>/comm): shared by the bench and anything else running. */
export const SERVICES = { postgres: 'postgres', 'nats-server': 'nats', 'redis-server': 'redis' };

/** Each service's processes now: { service: { pid: ticks } }. A PostgreSQL backend is one process per connection. */
function serviceTicks() {
  const out = Object.fromEntries(Object.values(SERVICES).map((s) => [s, {}]));
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out; // not Linux
  }
  for (const pid of pids) {
    const service = SERVICES[read(`/proc/${pid}/comm`, (t) => t.trim())];
    if (!service) continue;
    const ticks = read(`/proc/${pid}/stat`, parseProcStat);
    if (ticks !== null) out[service][pid] = ticks;
  }
  return out;
}

/** A reading now: each app's CPU ticks (by name), the services' (by pid) and the machine's. */
export function cpuReading(apps) {
  const out = { at: performance.now(), apps: {}, services: serviceTicks(), machine: read('/proc/stat', parseMachineStat) };
  for (const [name, child] of Object.entries(apps)) {
    const pid = child?.proc?.pid;
    if (pid) out.apps[name] = read(`/proc/${pid}/stat`, parseProcStat);
  }
  return out;
}

/**
 * What happened between two readings: each app's share of one core (1.0 = a whole core), its CPU
 * ms per 1,000 acked intents, and the machine's busy and steal shares of all its cores.
 */
export function cpuBetween(a, b, acked) {
  const seconds = (b.at - a.at) / 1000;
  // A process's CPU seconds as a share of one core and CPU ms per 1,000 acked intents.
  const share = (cpuS) => ({ cores: round(cpuS / seconds), msPer1000Acked: acked > 0 ? round((cpuS * 1e6) / acked) : null });
  const apps = {};
  for (const [name, t1] of Object.entries(b.apps)) {
    const t0 = a.apps[name];
    if (t0 === null || t0 === undefined || t1 === null) continue;
    apps[name] = share((t1 - t0) / TICKS_PER_S);
  }
  // Services: the processes seen at both readings (a connection opened meanwhile is not counted).
  // Every process of the name on the machine: on a quiet machine, the bench's load on them.
  for (const [service, now] of Object.entries(b.services ?? {})) {
    const before = a.services?.[service] ?? {};
    const pids = Object.keys(now).filter((pid) => pid in before);
    if (!pids.length) continue;
    apps[`${service}*`] = share(pids.reduce((sum, pid) => sum + now[pid] - before[pid], 0) / TICKS_PER_S);
  }
  const m = a.machine && b.machine ? { total: b.machine.total - a.machine.total, busy: b.machine.busy - a.machine.busy, steal: b.machine.steal - a.machine.steal } : null;
  const machine = m && m.total > 0 ? { busy: round(m.busy / m.total), steal: round(m.steal / m.total) } : null;
  return { seconds: round(seconds), apps, machine };
}

const round = (x) => Math.round(x * 1000) / 1000;
