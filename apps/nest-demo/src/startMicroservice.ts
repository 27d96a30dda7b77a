import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Starts the demo's TCP microservice (microservice.js) as a child process with this process's
 * environment, and resolves to its port once it listens. It ends with this process.
 */
export function startMicroservice(): Promise<number> {
  const entry = fileURLToPath(new URL('./microservice.js', import.meta.url));
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, RPC_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () => child.kill('SIGTERM');
  process.once('exit', stop);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, stop);
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      const port = /listening on tcp:\/\/[^:]+:(\d+)/.exec(output)?.[1];
      if (port) {
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve(Number(port));
      }
    });
    child.once('exit', (code) => reject(new Error(`the microservice exited (${code})`)));
  });
}
