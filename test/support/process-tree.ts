import { readFileSync, readdirSync } from 'node:fs';

/** A process as Linux's /proc shows it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** One letter: R, S, D, Z (zombie: exited, not yet reaped), ... */
  state: string;
  command: string;
}

function read(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may hold spaces: the fields start after the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, ppid: Number(ppid), state, command };
  } catch {
    return undefined; // gone between listing and reading
  }
}

/** Every live process below `pid`, children before grandchildren. */
export function descendants(pid: number): ProcessInfo[] {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => read(Number(name)))
    .filter((info): info is ProcessInfo => info !== undefined && info.state !== 'Z');
  const found: ProcessInfo[] = [];
  for (let parents = [pid]; parents.length > 0;) {
    const children = all.filter((info) => parents.includes(info.ppid));
    found.push(...children);
    parents = children.map((info) => info.pid);
  }
  return found;
}

/**
 * Whether `pid` is still running. A zombie counts as gone: it has exited, and
 * a process whose parent died may wait for a reaper that this machine's init
 * does not run.
 */
export function isRunning(pid: number): boolean {
  const info = read(pid);
  return info !== undefined && info.state !== 'Z';
}
