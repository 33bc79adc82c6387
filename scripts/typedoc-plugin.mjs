// typedoc plugin for `npm run docs`: the 640+ constants are documented on ONE
// page (docs/constants.md, written by scripts/docs-constants.cjs with their
// values on this platform), so their one-page-each reflections are removed.
// The names are the ones scripts/gen-constants.cjs exports.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Converter, ReflectionKind } from 'typedoc';

const here = path.dirname(fileURLToPath(import.meta.url));
const read = (f) => fs.readFileSync(path.join(here, f), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
const names = new Set([...read('constant-names.txt'), ...read('constant-enums.txt')]);

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    let removed = 0;
    for (const r of project.getReflectionsByKind(ReflectionKind.Variable)) {
      if (names.has(r.name) && r.parent?.kindOf(ReflectionKind.Project | ReflectionKind.Module)) {
        project.removeReflection(r);
        removed++;
      }
    }
    app.logger.verbose(`typedoc-plugin: ${removed} constants moved to the Constants page`);
  });
}
