/*
 * CPU time of a process and its descendants, from /proc (Linux): where the
 * cores went during a load run, so the bench can say what a login costs
 * besides its password hash. Elsewhere it reports nothing (undefined).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports utime and stime in clock ticks; `getconf CLK_TCK` is 100 on every common kernel build. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
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
  const stats = entries.map(readStat).filter((s): s is ProcStat => s !== undefined);
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
