// Renders BENCHMARKS.md from one run's results: the opening, the targets met or not, one section
// per benchmark (report/*.mjs), then ANALYSIS.md verbatim.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  bundleSection,
  captureSection,
  inboxSection,
  memorySection,
} from './report/components.mjs';
import { met, table } from './report/format.mjs';
import { introSection, machineSection } from './report/header.mjs';
import { jobsSection } from './report/jobs.mjs';
import {
  errorPathSection,
  gatewaySection,
  nodeBesideSection,
  requestPathSection,
  stormsSection,
} from './report/paths.mjs';
import { sentryModeSection } from './report/sentryMode.mjs';

const benchDir = fileURLToPath(new URL('../', import.meta.url));

/** The Markdown report. */
export function renderReport({
  quick,
  settings,
  generator,
  pinned,
  paths,
  capture,
  inbox,
  size,
  memory,
  elapsedSeconds,
  date,
  paths20 = [],
  storms = [],
  sentryMode = [],
  gateway = [],
  jobs = [],
  node = process.version,
  node20,
}) {
  const sections = [
    requestPathSection(paths),
    errorPathSection(paths),
    stormsSection(storms),
    sentryModeSection(sentryMode),
    nodeBesideSection(paths, paths20, node, node20),
    gatewaySection(gateway),
    jobsSection(jobs),
    captureSection(capture, settings),
    inboxSection(inbox),
    bundleSection(size),
    memorySection(memory),
  ];
  const lines = [
    ...introSection({ quick, settings, date, elapsedSeconds }),
    ...machineSection({ settings, generator, pinned, node, node20 }),
    ...targetsSection(sections.flatMap((section) => section.targets)),
    ...sections.flatMap((section) => section.lines),
  ];
  const analysis = `${benchDir}ANALYSIS.md`;
  if (existsSync(analysis)) lines.push(readFileSync(analysis, 'utf8').trim(), '');
  return lines.join('\n');
}

/** Every target as `[what, measured, ok]`, in the order of the sections that measure them. */
function targetsSection(targets) {
  return [
    '## Targets',
    '',
    ...table(
      ['target', 'measured', ''],
      [],
      targets.map(([target, measured, ok]) => [target, measured, met(ok)]),
    ),
    '',
  ];
}
