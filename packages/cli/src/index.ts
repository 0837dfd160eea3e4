/** The CLI's parsing helpers, for scripts and tests; the command itself is dist/main.js (`sonde`). */
export { CliError, fmtMs, parseDuration, parseParams, serverUrl } from './args.js';
export { Progress, type ProgressOptions } from './progress.js';
export { runJob, type JobOutcome, type JobRequest } from './execute.js';
