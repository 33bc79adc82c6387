// typedoc plugin for `npm run docs`: the 640+ constants are documented on ONE
// page (docs/constants.md, written by scripts/docs-constants.cjs with their
// values on this platform), so their one-page-each reflections are removed.
// The names are the ones scripts/gen-constants.cjs exports.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Converter, ReflectionKind } from 'typedoc';
import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));
const read = (f) => fs.readFileSync(path.join(here, f), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
const names = new Set([...read('constant-names.txt'), ...read('constant-enums.txt')]);

/** @param {import('typedoc').Application} app */
export function load(app) {
  // lib/index.ts exports the Socket class as a `@class` variable (its
  // constructor types a socket's addresses by family): references to the
  // class itself (lib/socket.ts, from the other modules) go to that page.
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (reflection.name !== 'Socket' || !reflection.kindOf(ReflectionKind.Class)) return;
    const decl = context.getSymbolFromReflection(reflection)?.valueDeclaration;
    const init = decl && ts.isVariableDeclaration(decl) ? decl.initializer : undefined;
    let sym = init && context.checker.getSymbolAtLocation(init);
    if (sym && sym.flags & ts.SymbolFlags.Alias) sym = context.checker.getAliasedSymbol(sym);
    if (sym) context.registerReflection(reflection, sym);
  });
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
