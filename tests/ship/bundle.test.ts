// dist/module.js uses Grafana's shared modules instead of bundling copies: Grafana hands the
// plugin its own rxjs (one of create-plugin's externals, .config/bundler/externals.ts), and a
// deep import such as `rxjs/operators` is not that external, so webpack would bundle a second,
// partial rxjs whose Observables and Subscriptions are not Grafana's.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { REPO_ROOT } from '../harness/grafana-host';

const MODULE = path.join(REPO_ROOT, 'dist', 'module.js');
const built = existsSync(MODULE);

/** The dependency list of the AMD module (`define([...], factory)`), which Grafana's loader resolves. */
function amdDependencies(source: string): string[] {
  const m = source.match(/define\((\[[^\]]*\])/);
  assert.ok(m, 'module.js is an AMD module');
  return JSON.parse(m[1]) as string[];
}

describe(
  'dist/module.js',
  { skip: built ? false : 'dist/module.js is not built: run `npm run build` (npm test does)' },
  () => {
    const source = built ? readFileSync(MODULE, 'utf8') : '';

    test('takes rxjs from Grafana and asks for no deep path of it', () => {
      const deps = amdDependencies(source);
      assert.ok(deps.includes('rxjs'), `dependencies: ${deps.join(', ')}`);
      assert.deepEqual(
        deps.filter((d) => d.startsWith('rxjs/')),
        []
      );
    });

    test('bundles no copy of rxjs (its Subscription error text would be in the bundle)', () => {
      // rxjs/src/internal/util/UnsubscriptionError.ts: part of every Subscription, so of any operator.
      assert.ok(!source.includes('errors occurred during unsubscription'), 'module.js contains rxjs internals');
    });
  }
);
