export {
  AssertionSyntaxError,
  parseAssertion,
  TIME_UNITS,
  type Assertion,
  type CmpOp,
  type Label,
  type MetricRef,
  type Operand,
  type Quantity,
  type TimeUnit,
} from './grammar.js';
export { availableMetrics, MetricError, resolveMetric, type Dimension, type Resolved } from './resolve.js';
export {
  baselineFrom,
  evaluateAssertion,
  evaluateCheck,
  evaluateRegressions,
  EXIT_CODES,
  formatValue,
  parseAssertions,
  parsePercent,
  reportOf,
  type AssertionResult,
  type CheckReport,
  type CheckStatus,
  type Outcome,
  type Regression,
} from './evaluate.js';
export { toJUnit, toMarkdown } from './report.js';
