import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { LIBRARY_NAME, LIBRARY_VERSION } from './library-version.js';

describe('the name and version meters and tracers carry', () => {
  it('are package.json’s', () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as {
      name: string;
      version: string;
    };
    expect({ name: LIBRARY_NAME, version: LIBRARY_VERSION }).toEqual({
      name: pkg.name,
      version: pkg.version,
    });
  });
});
