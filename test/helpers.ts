// Shared test helpers: every socket a test makes is closed by `cleanup()`.
import { Socket } from '../lib/index';

const open: Socket[] = [];

/** Track sockets so afterEach can close them even when a test fails. */
export function track<T extends Socket | Socket[]>(s: T): T {
  if (Array.isArray(s)) open.push(...s);
  else open.push(s);
  return s;
}

export function cleanup(): void {
  for (const s of open.splice(0)) s.close();
}

/** Bytes of a string, UTF-8. */
export const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Whether a promise has settled, after one turn of the event loop (without waiting for it). */
export async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
}

/** The error a promise rejects with; fails if it fulfils. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}
