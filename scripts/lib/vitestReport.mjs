// Reads vitest's JSON report (`--reporter=json`) for the test command's summary.

/** A test file that failed before any of its tests ran (it did not load, or a hook threw). */
export const failedToLoad = (file) =>
  file.status === 'failed' && file.assertionResults.length === 0;

/**
 * One line per failed test (`Node <label>: <file> › <test>: <first line of its error>`) and per
 * file that failed to load, with file paths relative to `root`.
 */
export function failedTests(report, label, root) {
  const lines = [];
  for (const file of report.testResults) {
    const path = file.name.startsWith(`${root}/`) ? file.name.slice(root.length + 1) : file.name;
    if (failedToLoad(file)) lines.push(`Node ${label}: ${path}: ${firstLine(file.message)}`);
    for (const test of file.assertionResults) {
      if (test.status !== 'failed') continue;
      lines.push(
        `Node ${label}: ${path} › ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`,
      );
    }
  }
  return lines;
}

const firstLine = (text) =>
  String(text ?? '')
    .split('\n', 1)[0]
    .slice(0, 200);
