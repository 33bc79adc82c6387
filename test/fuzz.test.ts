// The seeded fuzzer (scripts/fuzz.mjs): a short fixed-seed run, plus checks
// that its driver catches what it exists to catch (a crash, a hang, a wrong
// error class) and reports each with the round seed and the last call.
// The long run is `npm run fuzz -- --seconds N --seed S`.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');

interface Finding {
  kind: string;
  detail: string;
  call: string;
  roundSeed?: number;
  lastCalls?: string[];
}
interface Summary {
  seed: number;
  rounds: number;
  children: number;
  findings: Finding[];
  soft: Finding[];
}

/** Runs the driver; resolves with its exit code and the summary (its last stdout line). */
function fuzz(args: string[]): Promise<{ code: number | null; summary: Summary; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'scripts/fuzz.mjs'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const lines = out.trim().split('\n');
      try {
        resolve({ code, summary: JSON.parse(lines[lines.length - 1]) as Summary, text: out });
      } catch {
        reject(new Error(`no summary from the fuzzer:\n${out}`));
      }
    });
  });
}

describe('fuzzer', () => {
  it('a fixed-seed run: every export and Socket method with hostile arguments, only TypeError / RangeError / SocketError, no crash, no hang', async () => {
    const { code, summary, text } = await fuzz(['--seed', '1', '--rounds', '8', '--seconds', '15', '--hang-ms', '8000']);
    expect(summary.seed).toBe(1);
    expect(summary.rounds + summary.findings.filter((f) => f.kind === 'crash' || f.kind === 'hang').length).toBeGreaterThan(0);
    // On failure the findings print in full: kind, detail, the call, and the round seed that replays it.
    expect(summary.findings, text).toEqual([]);
    expect(code).toBe(0);
  }, 40_000);

  it('reports a crash of the fuzz body with its round seed and last call', async () => {
    const { code, summary } = await fuzz(['--seed', '7', '--rounds', '1', '--seconds', '10', '--selftest', 'abort', '--skip', 'item1,item5']);
    const crash = summary.findings.find((f) => f.kind === 'crash');
    expect(code).toBe(1);
    expect(crash?.detail).toMatch(/^exit code null, signal SIGABRT/);
    expect(crash?.call).toBe('#3 selftest: process.abort()');
    expect(crash?.roundSeed).toBeTypeOf('number');
    expect(crash?.lastCalls?.[crash.lastCalls.length - 1]).toBe('#3 selftest: process.abort()');
  }, 20_000);

  it('reports a hang (a blocked event loop) with its last call', async () => {
    const { code, summary } = await fuzz(['--seed', '7', '--rounds', '1', '--seconds', '10', '--selftest', 'hang', '--hang-ms', '1500', '--skip', 'item1,item5']);
    const hang = summary.findings.find((f) => f.kind === 'hang');
    expect(code).toBe(1);
    expect(hang?.detail).toBe('no call logged for 1500 ms (the event loop or a sync call is blocked)');
    expect(hang?.call).toBe('#3 selftest: for (;;) {}');
  }, 20_000);

  it('reports an error of the wrong class', async () => {
    const { summary } = await fuzz(['--seed', '7', '--rounds', '1', '--seconds', '10', '--selftest', 'throw', '--skip', 'item1,item5']);
    const wrong = summary.findings.find((f) => f.call === "#3 selftest: throw new Error('plain')");
    expect(wrong?.kind).toBe('wrong-error-class');
    expect(wrong?.detail).toBe('Error: plain');
  }, 20_000);
});
