// The peer of the API benchmark: the original's stack reduced to the one procedure measured —
// a minimal @trpc/server v11 standalone-adapter server (Node 20, no transformer) whose
// systemUpdates.getCurrentVersion reads the app's package.json per request and answers with
// semver's parts, the same JSON as galaos-updater's.
// Usage: node server.mjs PACKAGE_DIR APP_ROOT PORT   (PACKAGE_DIR holds node_modules)
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const [packageDir, appRoot, port] = process.argv.slice(2);
const require = createRequire(path.join(packageDir, 'package.json'));
const { initTRPC } = require('@trpc/server');
const { createHTTPServer } = require('@trpc/server/adapters/standalone');
const semver = require('semver');

const t = initTRPC.create();
const router = t.router({
  systemUpdates: t.router({
    getCurrentVersion: t.procedure.query(async () => {
      const pkg = JSON.parse(await readFile(path.join(appRoot, 'package.json'), 'utf8'));
      const version = semver.parse(pkg.version);
      const out = {
        version: version.version,
        major: version.major,
        minor: version.minor,
        patch: version.patch,
      };
      if (version.prerelease.length > 0) out.prerelease = version.prerelease.join('.');
      if (version.build.length > 0) out.build = version.build.join('.');
      return out;
    }),
  }),
});

createHTTPServer({ router, basePath: '/trpc/' }).listen(Number(port), '127.0.0.1', () => {
  console.log(`trpc ready on ${port}`);
});
