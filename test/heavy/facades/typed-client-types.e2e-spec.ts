import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from '@jest/globals';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const typeTest = join(root, 'test/types/typed-clients.type-test.ts');
const DIRECTIVE = /^\s*\/\/ @ts-expect-error: (.*)$/;

/** Errors of `file` compiled with the project's strict settings, as "line: message". */
function compile(file: string): { line: number; text: string }[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  const program = ts.createProgram([file], { ...config!.options, noEmit: true });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => ({
    line:
      diagnostic.file?.fileName === file
        ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1
        : -1,
    text: `${diagnostic.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
  }));
}

describe('typed clients from ts-proto output', () => {
  it('compile under strict, and every @ts-expect-error line is a real type error', () => {
    expect(compile(typeTest)).toEqual([]);

    // Blank each directive (keeping line numbers): exactly the lines under them must fail.
    const lines = readFileSync(typeTest, 'utf8').split('\n');
    const expected = lines.flatMap((text, index) => (DIRECTIVE.test(text) ? [index + 2] : []));
    expect(expected.length).toBeGreaterThanOrEqual(12);
    // Beside the original, so its relative imports resolve unchanged.
    const unchecked = join(dirname(typeTest), `.unchecked-${process.pid}.ts`);
    try {
      writeFileSync(unchecked, lines.map((text) => (DIRECTIVE.test(text) ? '' : text)).join('\n'));
      const errors = compile(unchecked);
      expect(errors.filter((error) => error.line === -1)).toEqual([]);
      expect([...new Set(errors.map((error) => error.line))].sort((a, b) => a - b)).toEqual(
        expected,
      );
    } finally {
      rmSync(unchecked, { force: true });
    }
  });
});
