import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VARS } from '../config/index.js';
import { NOT_SUPPORTED, renderMigrationGuide } from './migration.js';

const repo = new URL('../../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, repo), 'utf8');
const SETTING = /\b(?:IMGPROXY|OTEL|TINTYPE)_[A-Z0-9_]*[A-Z0-9]\b/g;
const settingsIn = (text: string) => new Set(text.match(SETTING) ?? []);
const known = (name: string) => name in VARS;
/** Read by the OpenTelemetry SDK itself, not by Tintype's config table. */
const READ_BY_OTEL_SDK = new Set(['OTEL_RESOURCE_ATTRIBUTES', 'OTEL_BSP']);

describe('docs/migrating-from-imgproxy.md', () => {
  it('is exactly what the variable table renders (regenerate with `pnpm --filter @tintype/server docs:config`)', () => {
    expect(read('docs/migrating-from-imgproxy.md')).toBe(renderMigrationGuide());
  });

  it('lists every variable Tintype reads, and marks Tintype-only ones', () => {
    const text = renderMigrationGuide();
    for (const [name, spec] of Object.entries(VARS)) {
      expect(text).toContain(`| \`${name}\` | ${spec.own ? "Tintype's own" : 'supported'} |`);
    }
  });

  it('never calls a variable Tintype reads unsupported', () => {
    expect(Object.keys(NOT_SUPPORTED).filter(known)).toEqual([]);
  });
});

describe('docs', () => {
  it('name only settings that exist (or that the migration guide lists as unsupported)', () => {
    const docs = readdirSync(new URL('docs/', repo)).filter((f) => f.endsWith('.md'));
    expect(docs.length).toBeGreaterThan(5);
    for (const file of docs) {
      for (const name of settingsIn(read(`docs/${file}`))) {
        expect(
          known(name) || name in NOT_SUPPORTED || READ_BY_OTEL_SDK.has(name),
          `${name} in docs/${file}`,
        ).toBe(true);
      }
    }
  });
});

describe('docs/images', () => {
  it('holds every picture the docs show, under 2 MB in all', () => {
    let total = 0;
    const docs = readdirSync(new URL('docs/', repo)).filter((f) => f.endsWith('.md'));
    const shown = new Set(
      docs.flatMap((f) => [...read(`docs/${f}`).matchAll(/\]\((images\/[^)\s]+)\)/g)].map((m) => m[1]!)),
    );
    expect(shown.size).toBeGreaterThan(20);
    for (const path of shown) total += readFileSync(new URL(`docs/${path}`, repo)).length;
    expect(total).toBeLessThan(2 * 1024 * 1024);
  });
});

describe('docker/', () => {
  const files = [
    'docker/Dockerfile',
    'docker/compose.yaml',
    ...readdirSync(new URL('docker/k8s/', repo)).map((f) => `docker/k8s/${f}`),
  ];

  it('sets only settings that exist in the config table', () => {
    const used = new Set<string>();
    for (const file of files) {
      for (const name of settingsIn(read(file))) {
        used.add(name);
        expect(known(name), `${name} in ${file}`).toBe(true);
      }
    }
    // The files do configure things: the cache and the metrics listener at least.
    for (const name of [
      'IMGPROXY_BIND',
      'IMGPROXY_CACHE_USE',
      'IMGPROXY_CACHE_BUCKET',
      'IMGPROXY_PROMETHEUS_BIND',
    ]) {
      expect(used).toContain(name);
    }
  });

  it('the image runs `tintype` (the package bin) as non-root, health-checked by `tintype health`', () => {
    const dockerfile = read('docker/Dockerfile');
    const { bin } = JSON.parse(read('apps/server/package.json')) as { bin: Record<string, string> };
    expect(bin.tintype).toBe('./dist/cli.js');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/\nRUN ln -s \/app\/dist\/cli\.js \/usr\/local\/bin\/tintype\n/);
    expect(runtime).toMatch(/\nUSER node\n/);
    expect(runtime).toMatch(/\nHEALTHCHECK [^\n]*CMD \["tintype", "health"\]\n/);
    expect(runtime).toMatch(/\nENTRYPOINT \["tintype"\]\nCMD \["serve"\]\n/);
    expect(runtime).not.toMatch(/\nUSER root\n/);
  });

  it('the Deployment has probes on /health and resource limits; Service, HPA and PDB find it', () => {
    const deployment = read('docker/k8s/deployment.yaml');
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      expect(deployment).toMatch(new RegExp(`${probe}:\\n\\s+httpGet:\\n\\s+path: /health\\n`));
    }
    expect(deployment).toMatch(/limits:\n\s+cpu: "\d+"\n[\s\S]*?memory: \d+[GM]i\n/);
    expect(deployment).toMatch(/requests:\n\s+cpu: /);
    const label = 'app.kubernetes.io/name: tintype';
    expect(deployment).toMatch(new RegExp(`selector:\\n\\s+matchLabels:\\n\\s+${label}`));
    expect(deployment).toMatch(new RegExp(`template:\\n\\s+metadata:\\n\\s+labels:\\n\\s+${label}`));
    expect(read('docker/k8s/service.yaml')).toMatch(new RegExp(`selector:\\n\\s+${label}`));
    expect(read('docker/k8s/pdb.yaml')).toMatch(new RegExp(`matchLabels:\\n\\s+${label}`));
    expect(read('docker/k8s/hpa.yaml')).toMatch(
      /scaleTargetRef:\n\s+apiVersion: apps\/v1\n\s+kind: Deployment\n\s+name: tintype\n/,
    );
    const kustomization = read('docker/k8s/kustomization.yaml');
    for (const f of ['configmap', 'secret', 'deployment', 'service', 'hpa', 'pdb'])
      expect(kustomization).toContain(`- ${f}.yaml`);
  });
});
