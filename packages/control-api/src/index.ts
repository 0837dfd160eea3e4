export { createApp, openApiDocument, validationHook, zodIssues } from './app.js';
export type { AppDeps } from './deps.js';
export { loadConfig, ConfigError, type Config } from './config.js';
export { jobHooks } from './hooks.js';
export { newJobId, jobIdTime, JOB_ID_RE } from './ids.js';
export { toProblem, sendProblem, problemType, PROBLEM_BASE, PROBLEM_CONTENT_TYPE, type Problem, type ProblemType } from './problem.js';
export { JobStore, isFinished, type Job, type JobFilter, type JobError, type NewJob } from './store.js';
export { VERSION } from './version.js';
export { renderJobFormat, renderMarkdown, renderSlack, renderHistogramSvg, JOB_FORMATS, type JobFormat, type SlackMessage } from './formats/index.js';
