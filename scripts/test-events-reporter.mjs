// A node:test reporter that writes one JSON line per finished test or suite, taken from
// node:test's own events (test:pass / test:fail), for scripts/run-tests.mjs to count.
// Used beside the spec reporter:
//   --test-reporter=spec --test-reporter-destination=stdout
//   --test-reporter=./scripts/test-events-reporter.mjs --test-reporter-destination=<file>
export default async function* testEvents(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') {
      continue;
    }
    const { name, nesting, file, skip, todo, details } = event.data;
    yield `${JSON.stringify({
      result: event.type === 'test:pass' ? 'pass' : 'fail',
      kind: details?.type === 'suite' ? 'suite' : 'test',
      name,
      nesting,
      file,
      skip: skip === undefined || skip === false ? undefined : skip === true ? '' : String(skip),
      todo: todo === undefined || todo === false ? undefined : todo === true ? '' : String(todo),
      failureType: details?.error?.failureType,
    })}\n`;
  }
}
