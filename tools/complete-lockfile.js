#!/usr/bin/env node
/*
 * `npm install` here writes package-lock.json without the platform-specific optional packages that the registry
 * mirror of our machines does not serve (darwin, win32, musl … builds of native bindings), and `npm ci` then refuses
 * the lock as out of sync. This adds an entry (version, os, cpu, libc; no tarball) for each such package, which
 * `npm ci` accepts and skips on Linux. Run it after every `npm install` that changes the lock:
 *   node tools/complete-lockfile.js
 */
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;

function platformOf(name) {
  const base = name.split('/').pop();
  const os = ['darwin', 'win32', 'linux', 'android', 'freebsd', 'openharmony'].find((o) => base.includes(o));
  const cpu = ['arm64', 'x64', 'ia32', 'arm', 'loong64', 'ppc64', 'riscv64', 's390x'].find((c) =>
    base.includes(`-${c}`),
  );
  const libc = base.includes('musl') ? 'musl' : base.includes('gnu') ? 'glibc' : undefined;
  return { os, cpu, libc };
}

let added = 0;
for (const [where, meta] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    if (packages[`node_modules/${name}`] || packages[`${where}/node_modules/${name}`]) continue;
    const { os, cpu, libc } = platformOf(name);
    if (!os || !cpu) {
      console.error(`left alone (no platform in its name): ${name}`);
      continue;
    }
    packages[`node_modules/${name}`] = {
      version,
      optional: true,
      os: [os],
      cpu: [cpu],
      ...(libc ? { libc: [libc] } : {}),
    };
    added++;
  }
}
const sorted = {};
for (const key of Object.keys(packages).sort((a, b) =>
  a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0,
)) {
  sorted[key] = packages[key];
}
lock.packages = sorted;
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: ${added} platform entries added`);
