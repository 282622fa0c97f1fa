export { ConfigError, loadConfig, loadEnvFile } from './load.js';
export type { LoadedConfig } from './load.js';
export { VARS } from './vars.js';
export type { Config, VarName, VarSpec } from './vars.js';
