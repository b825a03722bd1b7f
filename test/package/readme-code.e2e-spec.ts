import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from '@jest/globals';

const root = fileURLToPath(new URL('../..', import.meta.url));
/**
 * Type-checking the README and the guides against the package and Nest's types is one compile, not a
 * call: it takes seconds on an idle machine (about 10 s) and several times that on a loaded one. This
 * bounds only a hang.
 */
const COMPILE_HANG_GUARD_MS = 180_000;

/** The README and every guide in docs/, as paths from the project root. */
const documents = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

interface Snippet {
  /** The Markdown file, from the project root. */
  document: string;
  /** Where the block starts in that file (1-based line of its first code line). */
  line: number;
  label: string;
  code: string;
}

/** Every ```ts block, and both sides of every ```diff block, as a module of its own. */
function snippetsOf(document: string, markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  for (const match of markdown.matchAll(/```(ts|diff)\n([\s\S]*?)```/g)) {
    const [, language, body] = match;
    const line = markdown.slice(0, match.index).split('\n').length + 1;
    if (language === 'ts') {
      snippets.push({ document, line, label: 'ts', code: body });
      continue;
    }
    const side = (drop: string) =>
      body
        .split('\n')
        .filter((text) => !text.startsWith(drop))
        .map((text) => text.slice(1))
        .join('\n');
    snippets.push({ document, line, label: 'diff, before', code: side('+') });
    snippets.push({ document, line, label: 'diff, after', code: side('-') });
  }
  return snippets;
}

describe('README and docs/', () => {
  it('every code fence is closed, so no block is read as prose or prose as a block', () => {
    const fences = (document: string) =>
      readFileSync(join(root, document), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('```')).length;
    const unclosed = documents.filter((document) => fences(document) % 2 === 1);
    expect(unclosed).toEqual([]);
  });

  it(
    'every TypeScript block (and both sides of every diff) type-checks against the built package',
    () => {
      const snippets = documents.flatMap((document) =>
        snippetsOf(document, readFileSync(join(root, document), 'utf8')),
      );
      // The README keeps its Quick start and migration blocks; the guides hold the rest.
      expect(
        snippets.filter((snippet) => snippet.document === 'README.md').length,
      ).toBeGreaterThanOrEqual(3);
      expect(snippets.length).toBeGreaterThanOrEqual(18);
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
          return `${snippet.document}:${snippet.line + at} (${snippet.label} block): ${text}`;
        });
        expect(problems).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    COMPILE_HANG_GUARD_MS,
  );
});
