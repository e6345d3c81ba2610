import { defineConfig } from 'eslint/config';
import grafanaConfig from '@grafana/eslint-config';

// The scaffolded .config/eslint.config.mjs imports '@grafana/eslint-config/flat.js', which
// @grafana/eslint-config 10 no longer ships (its main entry is the flat config). Until
// `create-plugin update` refreshes .config/, the same settings are composed here.
const baseConfig = [
  ...grafanaConfig,
  { rules: { 'react/prop-types': 'off' } },
  {
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: { parserOptions: { project: './tsconfig.json' } },
    rules: { '@typescript-eslint/no-deprecated': 'warn' },
  },
  // The backend, dev server, tests and scripts are TypeScript too: lint them with the same rules.
  { files: ['pkg/**/*.ts', 'tests/**/*.ts', 'scripts/**/*.ts', 'dev/**/*.{ts,tsx}'] },
  // Outside the plugin bundle, moment is a normal dependency (the backend renders Grafana's date formats; the
  // sandbox provides it as an external), and TypeScript overloads are not redeclarations.
  { files: ['pkg/**/*.ts', 'dev/**/*.{ts,tsx}'], rules: { 'no-restricted-imports': 'off', 'no-redeclare': 'off' } },
  { files: ['./tests/**/*'], rules: { 'react-hooks/rules-of-hooks': 'off' } },
];

export default defineConfig([
  {
    ignores: [
      '**/logs',
      '**/*.log',
      '**/npm-debug.log*',
      '**/yarn-debug.log*',
      '**/yarn-error.log*',
      '**/.pnpm-debug.log*',
      '**/node_modules/',
      '.yarn/cache',
      '.yarn/unplugged',
      '.yarn/build-state.yml',
      '.yarn/install-state.gz',
      '**/.pnp.*',
      '**/pids',
      '**/*.pid',
      '**/*.seed',
      '**/*.pid.lock',
      '**/lib-cov',
      '**/coverage',
      '**/dist/',
      '**/artifacts/',
      '**/work/',
      '**/ci/',
      'test-results/',
      'playwright-report/',
      'blob-report/',
      'playwright/.cache/',
      'playwright/.auth/',
      '**/.idea',
      '**/.eslintcache',
      // build outputs of the backend, CLI and browser sandbox
      'dist-node/',
      'dev/sandbox/.build/',
      '.bench/',
    ],
  },
  ...baseConfig,
]);
