// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

// Jest configuration provided by Grafana scaffolding
const base = require('./.config/jest.config');

module.exports = {
  ...base,
  // Some Grafana dependencies (d3-color, …) ship only `.mjs`; the scaffolded transform matches
  // `.js/.ts` only, so `.mjs` files get the same swc transform here.
  transform: {
    ...base.transform,
    '^.+\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
};
