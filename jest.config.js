// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

// Jest configuration provided by Grafana scaffolding
const base = require('./.config/jest.config');

module.exports = {
  ...base,
  moduleNameMapper: {
    ...base.moduleNameMapper,
    // Monaco cannot run in jsdom: @grafana/ui's lazily loaded editor surface is replaced by a
    // textarea double (see the file) so CodeEditor/SQLEditor logic still runs in tests.
    '^\\./ReactMonacoEditor\\.(cjs|mjs)$': '<rootDir>/src/__testutils__/monacoDouble.tsx',
  },
  // Some Grafana dependencies (d3-color, …) ship only `.mjs`; the scaffolded transform matches
  // `.js/.ts` only, so `.mjs` files get the same swc transform here.
  transform: {
    ...base.transform,
    '^.+\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
};
