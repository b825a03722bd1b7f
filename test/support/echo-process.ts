import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** An echo server running in a child process. */
export interface EchoProcess {
  address: string;
  port: number;
  /** SIGKILL: the backend dies without closing its connections. Resolves once it has exited. */
  kill(): Promise<void>;
}

const entry = fileURLToPath(new URL('./echo-process-main.ts', import.meta.url));
const running = new Set<ChildProcess>();

/** Starts an echo server in a child process (on `port`, or any free port) and waits for its address. */
export async function startEchoProcess(port = 0): Promise<EchoProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, NODE_OPTIONS: '', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('echo process did not start in 20 s')), 20_000);
    child.stdout!.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(chunk.toString().trim());
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`echo process exited with ${code}`));
    });
  });
  return {
    address,
    port: Number(address.split(':').pop()),
    kill: () => killChild(child),
  };
}

/** Kills every echo process still running (for `afterEach`). */
export async function killEchoProcesses(): Promise<void> {
  await Promise.all([...running].map((child) => killChild(child)));
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
