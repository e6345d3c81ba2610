// @grafana/levitate (tests/ship/grafana-compat.test.ts): API differences checked and harmless.
module.exports = {
  removals: [
    // An optional option newer Grafana passes to getLogRowContext (the context view's window
    // selector); Grafana 11.6 omits it and the data source searches its default window (one hour).
    'LogRowContextOptions.timeWindowMs',
  ],
};
