// Tintype's CLI (`serve`) in N processes behind node:cluster, as the bench launches it to measure
// what using every core buys on cache hits. Tintype's own IMGPROXY_SO_REUSEPORT cannot do this on
// Node 20: `reusePort` in net.listen() arrived in Node 22.12, so a second process fails with
// EADDRINUSE. Cluster workers share the primary's listening socket instead.
// usage: node tintype-cluster.mjs <path to apps/server/dist/cli.js> <processes>
import cluster from 'node:cluster';

const [cli, processes = '2'] = process.argv.slice(2);
if (cluster.isPrimary) {
  for (let i = 0; i < Number(processes); i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  });
} else {
  process.argv = [process.argv[0], cli, 'serve'];
  await import(cli);
}
