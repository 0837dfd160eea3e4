#!/usr/bin/env bash
# The test command: build everything (Nx caches), type-check the tests, then run every test file once, one file at a time
# (kernel tests check that nothing of ours stays loaded, so they must not overlap).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# the test files type-check against the built packages (the package builds leave them out)
npx tsc -p tsconfig.tests.json
npx vitest run "$@"
