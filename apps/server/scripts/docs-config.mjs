// Writes docs/configuration.md from the variable table (run after `build`).
import { writeFileSync } from 'node:fs';
import { renderConfigReference } from '../dist/config/reference.js';

writeFileSync(new URL('../../../docs/configuration.md', import.meta.url), renderConfigReference());
