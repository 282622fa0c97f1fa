import { expect } from 'vitest';
import { TintypeError } from './errors.js';
import { type ParsedUrl, parsePath } from './parse.js';
import { createUrlSettings, type UrlSettingsInit } from './settings.js';

export const SOURCE = 'http://images.dev/lorem/ipsum.jpg';

/** Parses `/unsafe{optionsAndSource}` with signing off and the given settings. */
export function parse(optionsAndSource: string, init: UrlSettingsInit = {}, now?: Date): ParsedUrl {
  return parsePath(`/unsafe${optionsAndSource}`, createUrlSettings(init), now);
}

/** The options of `/unsafe/{options}/plain/{SOURCE}`. */
export const opts = (options: string, init?: UrlSettingsInit, now?: Date) =>
  parse(`/${options}/plain/${SOURCE}`, init, now).options;

/** The error `fn` throws, which must be a TintypeError. */
export function failure(fn: () => unknown): TintypeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TintypeError);
    return e as TintypeError;
  }
  throw new Error('expected a TintypeError, got success');
}

/** `[status, public message]` of the failure of `opts(options)`. */
export function optionFailure(options: string, init?: UrlSettingsInit): [number, string] {
  const e = failure(() => opts(options, init));
  return [e.status, e.publicMessage];
}
