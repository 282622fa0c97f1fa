// Writes docs/migrating-from-imgproxy.md from the variable table (run after `build`).
import { writeFileSync } from 'node:fs';
import { renderMigrationGuide } from '../dist/docs/migration.js';

writeFileSync(new URL('../../../docs/migrating-from-imgproxy.md', import.meta.url), renderMigrationGuide());
