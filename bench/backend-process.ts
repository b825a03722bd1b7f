import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface BackendProcess {
  address: string;
  stop(): Promise<void>;
}

/** Starts `backend.ts` in a child process and waits for the port it prints. */
export async function startBackend(host = '127.0.0.1'): Promise<BackendProcess> {
  const script = fileURLToPath(new URL('./backend.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, HOST: host },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('backend did not start within 20 s')), 20_000);
    child.stdout!.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(chunk.toString().trim());
    });
    child.once('exit', (code) => reject(new Error(`backend exited with ${code}`)));
  });
  return {
    address: `${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      }),
  };
}
