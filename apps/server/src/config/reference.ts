import type { VarSpec } from './vars.js';
import { VARS } from './vars.js';

/**
 * The configuration reference (docs/configuration.md), rendered from the variable table so it is
 * never written twice by hand. A test fails when the committed file differs; regenerate it with
 * `pnpm --filter @tintype/server docs:config`.
 */
export function renderConfigReference(): string {
  const groups = new Map<string, [string, VarSpec<unknown>][]>();
  for (const [name, spec] of Object.entries(VARS) as [string, VarSpec<unknown>][]) {
    const list = groups.get(spec.group) ?? [];
    list.push([name, spec]);
    groups.set(spec.group, list);
  }
  const out = [
    '# Configuration reference',
    '',
    '<!-- Generated from apps/server/src/config/vars.ts by `pnpm --filter @tintype/server docs:config`. Do not edit by hand. -->',
    '',
    "Every setting is an environment variable. Names, types and defaults are imgproxy's; variables marked",
    "*Tintype* are Tintype's own. An invalid value stops the server at start with a message naming the",
    'variable; an unknown `IMGPROXY_*` variable is reported as a warning (with the nearest known name).',
    '',
  ];
  for (const [group, vars] of groups) {
    out.push(`## ${group}`, '', '| variable | type | default | description |', '| --- | --- | --- | --- |');
    for (const [name, spec] of vars) {
      const own = spec.own ? ' *Tintype*' : '';
      out.push(
        `| \`${name}\`${own} | ${spec.type.describe} | ${formatDefault(name, spec.default)} | ${spec.help} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

function formatDefault(name: string, value: unknown): string {
  if (name === 'IMGPROXY_WORKERS') return '2 × CPUs';
  if (value === '' || (Array.isArray(value) && value.length === 0)) return '(empty)';
  if (Array.isArray(value)) return `\`${value.join(',')}\``;
  if (typeof value === 'object' && value !== null) {
    return `\`${Object.entries(value)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}\``;
  }
  return `\`${String(value)}\``;
}
