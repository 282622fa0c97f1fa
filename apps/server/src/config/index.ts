export type { LoadedConfig } from './load.js';
export { ConfigError, loadConfig, loadEnvFile } from './load.js';
export type { Config, VarName, VarSpec } from './vars.js';
export { VARS } from './vars.js';
