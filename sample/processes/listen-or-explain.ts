/** Where a sample process listens, and the variable that moves it (the README's sample section names both). */
export interface ListenTarget {
  /** The process, as the message names it: `orders` or `the gateway`. */
  name: string;
  /** What it binds, as `host:port`. */
  address: string;
  /** The environment variable that moves it, and a value to try. */
  variable: string;
  example: string;
}

const addressInUse = (error: unknown): boolean =>
  error instanceof Error &&
  // express passes Node's error on (code EADDRINUSE); grpc-js wraps it in a message of its own.
  ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' || error.message.includes('EADDRINUSE'));

/**
 * Runs `listen`; when the address is taken, says which variable moves it instead of a stack trace,
 * closes the app and lets the process end with code 1 (start.js then stops the others). Any other
 * error is thrown on. Returns whether the process is listening.
 */
export async function listenOrExplain(
  target: ListenTarget,
  listen: () => Promise<unknown>,
  close: () => Promise<void>,
): Promise<boolean> {
  try {
    await listen();
    return true;
  } catch (error: unknown) {
    if (!addressInUse(error)) throw error;
    console.error(
      `${target.name} cannot listen on ${target.address}: another process is using it (EADDRINUSE). ` +
        `Stop that process, or set ${target.variable} to move ${target.name}, e.g. ` +
        `${target.variable}=${target.example} npm start`,
    );
    process.exitCode = 1;
    await close();
    // The IPC channel to start.js would keep this process alive.
    if (process.connected) process.disconnect();
    return false;
  }
}
