import { isTintypeError } from './errors.js';
import { applyOptions, type OptionCall, type OptionSettings, splitOptions } from './option-table.js';
import { defaultOptions } from './options.js';

/**
 * Parses preset definitions, `name=option/option/...` each (IMGPROXY_PRESETS entries or the lines
 * of IMGPROXY_PRESETS_PATH). Blank entries and `#` comments are skipped; a later definition of a
 * name replaces an earlier one. Throws a plain Error quoting the bad entry.
 */
export function parsePresets(entries: readonly string[], separator: string): Map<string, OptionCall[]> {
  const presets = new Map<string, OptionCall[]>();
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    const parts = entry.split('=');
    if (parts.length !== 2) throw new Error(`invalid preset string: ${entry}`);
    const name = parts[0]!.trim();
    const value = parts[1]!.trim();
    if (name === '') throw new Error(`empty preset name: ${entry}`);
    if (value === '') throw new Error(`empty preset value: ${entry}`);
    const { calls, rest } = splitOptions(value.split('/'), separator);
    if (rest.length > 0) throw new Error(`invalid preset value: ${entry}`);
    presets.set(name, calls);
  }
  return presets;
}

/** IMGPROXY_PRESETS: entries separated by IMGPROXY_PRESETS_SEPARATOR (`,` when empty). */
export const splitPresetsVariable = (value: string, separator = ','): string[] =>
  value === '' ? [] : value.split(separator === '' ? ',' : separator);

/**
 * Applies every preset to fresh options so a bad one stops start-up instead of failing requests.
 * Throws a plain Error naming the preset.
 */
export function validatePresets(settings: OptionSettings): void {
  for (const [name, calls] of settings.presets) {
    try {
      applyOptions(
        defaultOptions(settings.optionDefaults),
        calls,
        { settings, now: new Date(0), presetChain: [name] },
        true,
      );
    } catch (e) {
      const why = isTintypeError(e) ? e.publicMessage : String(e);
      throw new Error(`error in preset \`${name}\`: ${why}`, { cause: e });
    }
  }
}
