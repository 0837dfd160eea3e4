/** A check report as JUnit XML (for CI test tabs) and as Markdown (for $GITHUB_STEP_SUMMARY or a PR comment). */
import type { CheckReport } from './evaluate.js';

function xml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // XML 1.0 has no place for most control characters
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/**
 * One testsuite per check, one testcase per assertion: a failed assertion is a `<failure>`, one
 * that could not be evaluated an `<error>`; a job that gave no result is one erroring testcase.
 */
export function toJUnit(report: CheckReport, opts: { suite?: string; timestamp?: Date; permalink?: string } = {}): string {
  const suite = opts.suite ?? `sonde check ${report.probe}`;
  const secs = (report.durationMs / 1000).toFixed(3);
  const cases = report.error
    ? [{ name: 'job', outcome: 'error' as const, message: report.error, actual: null, expected: null }]
    : report.results;
  const tests = cases.length;
  const failures = cases.filter((c) => c.outcome === 'fail').length;
  const errors = cases.filter((c) => c.outcome === 'error').length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="sonde" tests="${tests}" failures="${failures}" errors="${errors}" time="${secs}">`,
    `  <testsuite name="${xml(suite)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="0" time="${secs}"` +
      ` timestamp="${(opts.timestamp ?? new Date()).toISOString().replace(/\.\d+Z$/, '')}">`,
    '    <properties>',
    `      <property name="probe" value="${xml(report.probe)}"/>`,
    `      <property name="job" value="${xml(report.jobId)}"/>`,
    ...(opts.permalink ? [`      <property name="permalink" value="${xml(opts.permalink)}"/>`] : []),
    '    </properties>',
  ];
  for (const c of cases) {
    const open = `    <testcase classname="sonde.${xml(report.probe)}" name="${xml(c.name)}" time="${secs}"`;
    if (c.outcome === 'pass') {
      lines.push(`${open}/>`);
      continue;
    }
    const tag = c.outcome === 'fail' ? 'failure' : 'error';
    const body = [c.message, c.actual !== null ? `actual: ${c.actual}` : '', c.expected !== null ? `expected: ${c.expected}` : '']
      .filter(Boolean)
      .join('\n');
    lines.push(`${open}>`, `      <${tag} message="${xml(c.message)}" type="${tag === 'failure' ? 'AssertionFailed' : 'CheckError'}">${xml(body)}</${tag}>`, '    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

const ICON = { pass: '✅', fail: '❌', error: '⚠️' } as const;
const STATUS_ICON = { passed: '✅', failed: '❌', error: '⚠️' } as const;

function cell(s: string | null): string {
  return s === null ? '—' : s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown summary: headline with the verdict, then one table row per assertion. */
export function toMarkdown(report: CheckReport, opts: { permalink?: string; extra?: string } = {}): string {
  const secs = Math.round(report.durationMs / 100) / 10;
  const total = report.results.length;
  let out = `### ${STATUS_ICON[report.status]} sonde check \`${report.probe}\`: ${report.status}`;
  out += total ? ` (${report.passed}/${total} passed)\n\n` : '\n\n';
  const job = opts.permalink ? `[\`${report.jobId}\`](${opts.permalink})` : `\`${report.jobId}\``;
  out += `Job ${job}, ${secs} s.\n\n`;
  if (report.error) out += `> ⚠️ ${cell(report.error)}\n\n`;
  if (total) {
    out += '| | assertion | actual | expected | detail |\n|---|---|---|---|---|\n';
    for (const r of report.results) {
      out += `| ${ICON[r.outcome]} | \`${cell(r.name)}\` | ${cell(r.actual)} | ${cell(r.expected)} | ${cell(r.message)} |\n`;
    }
    out += '\n';
  }
  if (opts.extra) out += `${opts.extra.trimEnd()}\n`;
  return out;
}
