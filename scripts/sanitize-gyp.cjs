// Prints what CMakeLists.txt needs from binding.gyp, so that the two builds
// can never drift apart: `sources` or `defines` or `cflags_cc` of the one
// target, as a CMake list (";"-separated). binding.gyp is JSON plus
// `#` comments (gyp's Python-literal syntax, as this file uses it).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const what = process.argv[2];
const text = fs
  .readFileSync(path.join(__dirname, '..', 'binding.gyp'), 'utf8')
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
