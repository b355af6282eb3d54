// A reporter for node's test runner (run-tests.mjs adds it beside the spec reporter): the time
// each test file's tests took, summed over its top-level tests, as one JSON object by file. The
// suite must stay under about ten minutes on the 2-core CI machine, and this says where it goes.
// It leaves out each file's process start, a second or less.
export default async function* durations(source) {
  const byFile = {};
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { nesting, file, details } = event.data;
    if (nesting === 0 && file) byFile[file] = (byFile[file] ?? 0) + (details?.duration_ms ?? 0);
  }
  yield `${JSON.stringify(byFile)}\n`;
}
