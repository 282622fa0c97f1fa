import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigReference } from './reference.js';
import { VARS } from './vars.js';

describe('docs/configuration.md', () => {
  it('is exactly what the variable table renders (regenerate with `pnpm --filter @tintype/server docs:config`)', () => {
    const committed = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderConfigReference());
  });

  it('lists every variable', () => {
    const text = renderConfigReference();
    for (const name of Object.keys(VARS)) expect(text).toContain(`\`${name}\``);
  });
});
