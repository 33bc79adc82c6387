// Prints what CMakeLists.txt needs from binding.gyp, so that the two builds
// can never drift apart: `sources` or `defines` or `cflags_cc` of the one
// target, as a CMake list (";"-separated). binding.gyp is JSON plus
// `#` comments (gyp's Python-literal syntax, as this file uses it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const what = process.argv[2];
const text = fs
  .readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'binding.gyp'), 'utf8')
  .split('\n')
  .filter((line) => !/^\s*#/.test(line))
  .join('\n');
const target = JSON.parse(text).targets[0];
const value = target[what];
if (!Array.isArray(value)) {
  console.error(`binding.gyp: the target has no "${what}" list`);
  process.exit(1);
}
process.stdout.write(value.join(';'));
