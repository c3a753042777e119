/*
 * CPU time of a process and its descendants, and of a process's main thread,
 * from /proc (Linux): where the cores went during a load run, so the bench can
 * say what a login costs besides its password hash, and how much of it ran on
 * the event loop's thread (the rest: libuv's thread pool, which hashes, and
 * V8's helper threads). Elsewhere it reports nothing (undefined).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports utime and stime in clock ticks; `getconf CLK_TCK` is 100 on every common kernel build. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
}

function readStat(pid: string, path = `/proc/${pid}/stat`): ProcStat | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after its last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After the name: state (3), ppid (4), ..., utime (14), stime (15), counted from 1 with pid and name.
    return { pid: Number(pid), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by `root` and every live descendant (threads included); undefined without /proc. */
export function cpuSeconds(root: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const stats = entries.map((name) => readStat(name)).filter((s): s is ProcStat => s !== undefined);
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const self = stats.find((s) => s.pid === root);
  if (!self) return undefined;
  let ticks = 0;
  const queue = [self];
  for (let stat = queue.pop(); stat; stat = queue.pop()) {
    ticks += stat.ticks;
    queue.push(...(children.get(stat.pid) ?? []));
  }
  return ticks / TICKS_PER_SECOND;
}

/**
 * CPU seconds used so far by the main thread of `pid` (for node, the thread
 * that runs the event loop): /proc/PID/task/PID/stat, the same utime and
 * stime fields as the whole process's. Undefined without /proc.
 */
export function mainThreadCpuSeconds(pid: number): number | undefined {
  const stat = readStat(String(pid), `/proc/${pid}/task/${pid}/stat`);
  return stat === undefined ? undefined : stat.ticks / TICKS_PER_SECOND;
}

/** The child processes of `pid` that are alive now; empty without /proc. */
export function childProcesses(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return entries.map((name) => readStat(name)).filter((s): s is ProcStat => s !== undefined && s.ppid === pid).map((s) => s.pid);
}

/** The command line of `pid` (arguments joined by spaces), or undefined without /proc. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return undefined;
  }
}
