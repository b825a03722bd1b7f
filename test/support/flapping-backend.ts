import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { sleep } from './wait-for.js';

/** An echo backend on one port that dies and comes back, again and again. */
export interface FlappingBackend {
  address: string;
  /** Times it died so far. */
  readonly kills: number;
  /** Each time from a death to serving again, in ms. */
  readonly downtimesMs: number[];
  /** Stops flapping and leaves it serving; resolves once it serves (a revival that failed rejects). */
  calm(): Promise<void>;
  /** Stops flapping and ends every process it started. */
  stop(): Promise<void>;
}

/**
 * How the backend dies. `reset`: one process whose port resets every
 * connection and refuses new ones, then accepts again (what a client sees of
 * a SIGKILL, at no CPU cost). `sigkill`: the process is SIGKILLed and a
 * standby process, started in advance, binds the port (each restart costs
 * ~0.8 s of CPU).
 */
export type FlapHow = 'reset' | 'sigkill';

export interface FlapOptions {
  killEveryMs?: number;
  /** How long the port stays dead before the backend serves again (at least). */
  downMs?: number;
  how?: FlapHow;
}

/** One backend's life cycle: serving, then dead, then serving again. */
interface Lives {
  die(): Promise<void>;
  revive(): Promise<void>;
  end(): Promise<void>;
}

const script = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

function startChild(entry: string, port?: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', script(entry)], {
    env: { ...process.env, NODE_OPTIONS: '', PORT: String(port ?? '') },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = once(child, 'exit');
  /** The child's next line; rejects if it exits first or says nothing for 20 s. */
  const nextLine = async (): Promise<string> => {
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${entry} said nothing for 20 s`)), 20_000);
    });
    try {
      const line = await Promise.race([lines.next(), silence]);
      if (line.done) throw new Error(`${entry} exited (${child.exitCode ?? child.signalCode})`);
      return line.value;
    } finally {
      clearTimeout(timer);
    }
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return { child, nextLine, kill };
}

async function resettingLives(port: number): Promise<Lives> {
  const backend = startChild('./resettable-echo-main.ts', port);
  await backend.nextLine();
  const command = async (line: string): Promise<void> => {
    backend.child.stdin!.write(`${line}\n`);
    await backend.nextLine();
  };
  return { die: () => command('down'), revive: () => command('up'), end: backend.kill };
}

async function killedLives(port: number): Promise<Lives> {
  const standby = () => startChild('./standby-echo-main.ts');
  const serve = async (backend: ReturnType<typeof standby>): Promise<void> => {
    backend.child.stdin!.write(`${port}\n`);
    await backend.nextLine();
  };
  let current = standby();
  let next = standby();
  await serve(current);
  return {
    die: () => current.kill(),
    revive: async () => {
      current = next;
      next = standby();
      await serve(current);
    },
    end: async () => {
      await Promise.all([current.kill(), next.kill()]);
    },
  };
}

/** Serves on a free loopback port; every `killEveryMs` it dies, and serves again `downMs` later. */
export async function startFlappingBackend({
  killEveryMs = 500,
  downMs = 50,
  how = 'reset',
}: FlapOptions = {}): Promise<FlappingBackend> {
  const port = await freePort();
  const lives = how === 'reset' ? await resettingLives(port) : await killedLives(port);
  const downtimesMs: number[] = [];
  let kills = 0;
  let running = true;
  const flapping = (async () => {
    while (running) {
      await sleep(killEveryMs);
      if (!running) return;
      await lives.die();
      kills++;
      const diedAt = Date.now();
      await sleep(downMs);
      await lives.revive();
      downtimesMs.push(Date.now() - diedAt);
    }
  })();
  return {
    address: `127.0.0.1:${port}`,
    get kills() {
      return kills;
    },
    downtimesMs,
    calm: async () => {
      running = false;
      await flapping;
    },
    stop: async () => {
      running = false;
      try {
        // A restart that failed surfaces here, once everything is ended.
        await flapping;
      } finally {
        await lives.end();
      }
    },
  };
}
