// The Cloud Storage emulator from firebase-tools (its GCS JSON API), run in-process WITHOUT the Java
// rules runtime: `firebase emulators:start` downloads that jar from the internet at first start and
// needs Java >= 21, and Debian 12 has neither. The GCS JSON API routes use the emulator's admin
// storage layer, which never evaluates security rules, so the rules runtime is not needed.
// This reaches into firebase-tools internals (lib/emulator/...): package.json pins it exactly.
// usage: node gcs-emulator.cjs <dir holding node_modules/firebase-tools>   (env: GCS_HOST, GCS_PORT, GCS_PROJECT)
const { createRequire } = require('node:module');
const path = require('node:path');

const npmDir = process.argv[2];
if (!npmDir) {
  console.error('usage: node gcs-emulator.cjs <dir holding node_modules/firebase-tools>');
  process.exit(2);
}
const requireFromNpm = createRequire(path.resolve(npmDir, 'package.json'));
const { StorageEmulator } = requireFromNpm('firebase-tools/lib/emulator/storage');
const { EmulatorRegistry } = requireFromNpm('firebase-tools/lib/emulator/registry');

const host = process.env.GCS_HOST ?? '127.0.0.1';
const port = Number(process.env.GCS_PORT ?? 9199);
const emulator = new StorageEmulator({
  projectId: process.env.GCS_PROJECT ?? 'demo-test',
  host,
  port,
  auto_download: false,
});
emulator._rulesRuntime.start = async () => {}; // no jar download, no java process
emulator._rulesManager.start = async () => []; // no rules file to load

// The registry records host:port (the emulator builds its metadata links from it), then listens.
EmulatorRegistry.start(emulator)
  .then(() => console.log(`gcs emulator listening on http://${host}:${port}`))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });

const stop = () => EmulatorRegistry.stopAll().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
