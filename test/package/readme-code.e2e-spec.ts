import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from '@jest/globals';

const root = fileURLToPath(new URL('../..', import.meta.url));
/**
 * Type-checking the README against the package and Nest's types is a compile, not a call: it takes
 * seconds on an idle machine (about 7 s) and several times that on a loaded one. This bounds only a hang.
 */
const COMPILE_HANG_GUARD_MS = 180_000;

interface Snippet {
  /** Where the block starts in the README (1-based line of its first code line). */
  line: number;
  label: string;
  code: string;
}

/** Every ```ts block, and both sides of every ```diff block, as a module of its own. */
function readmeSnippets(readme: string): Snippet[] {
  const snippets: Snippet[] = [];
  for (const match of readme.matchAll(/```(ts|diff)\n([\s\S]*?)```/g)) {
    const [, language, body] = match;
    const line = readme.slice(0, match.index).split('\n').length + 1;
    if (language === 'ts') {
      snippets.push({ line, label: 'ts', code: body });
      continue;
    }
    const side = (drop: string) =>
      body
        .split('\n')
        .filter((text) => !text.startsWith(drop))
        .map((text) => text.slice(1))
        .join('\n');
    snippets.push({ line, label: 'diff, before', code: side('+') });
    snippets.push({ line, label: 'diff, after', code: side('-') });
  }
  return snippets;
}

describe('README', () => {
  it(
    'every TypeScript block (and both sides of every diff) type-checks against the built package',
    () => {
      const snippets = readmeSnippets(readFileSync(join(root, 'README.md'), 'utf8'));
      expect(snippets.length).toBeGreaterThanOrEqual(6);
      // Inside the project, so `nestjs-grpc-pool` resolves to this package (dist/) by self-reference.
      const dir = mkdtempSync(join(root, '.readme-check-'));
      try {
        const files = snippets.map((snippet, i) => {
          const file = join(dir, `block-${i}.ts`);
          writeFileSync(file, snippet.code);
          return file;
        });
        const config = ts.getParsedCommandLineOfConfigFile(
          join(root, 'tsconfig.json'),
          {},
          { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
        );
        const program = ts.createProgram(files, { ...config!.options, noEmit: true });
        const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
          const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
          const file = diagnostic.file?.fileName ?? '';
          const index = files.indexOf(file);
          if (index === -1) return `${file}: ${text}`;
          const at = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line;
          const snippet = snippets[index];
          return `README.md:${snippet.line + at} (${snippet.label} block): ${text}`;
        });
        expect(problems).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    COMPILE_HANG_GUARD_MS,
  );
});
