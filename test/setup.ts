// Runs in every test file's process: after the file, no fd that bsdsock
// opened may still be open, and no socket fd may be left over
// (/proc/self/fd counted before and after).
import * as fs from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { binding } from '../lib/binding';

function socketFds(): string[] {
  const out: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) out.push(fd);
    } catch {
      /* the fd of readdir itself */
    }
  }
  return out.sort();
}

let before: string[] = [];
beforeAll(() => {
  before = socketFds();
});
afterAll(() => {
  expect(binding.openFdCount(), 'fds opened by bsdsock still open after this file').toBe(0);
  const leaked = socketFds().filter((fd) => !before.includes(fd));
  expect(leaked, 'socket fds left open after this file').toEqual([]);
});
