#!/usr/bin/env bash
# The unit tests under another Node major (CI runs `bash scripts/test-node.sh 24`), without touching
# this checkout's node_modules: the npm registry's node-linux-<arch> package (what its `node` package
# installs) carries the runtime and its headers
# (node-gyp builds better-sqlite3 and the addon against them, nothing is fetched from nodejs.org), a
# clone of the committed HEAD gets its own `npm ci` and build under that Node, then every test that
# does not need the kernel runs (`*.kernel.test.ts` run on the machine's own Node in `npm test`).
#   bash scripts/test-node.sh 24 [vitest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
major=${1:?usage: test-node.sh MAJOR [vitest args...]}
shift
repo=$PWD
work=$repo/.cache/node$major

# the platform package (what the `node` package installs) holds bin/node and include/node
pkg="node-$(uname -s | tr A-Z a-z)-$(node -p process.arch)"
rm -rf "$work" && mkdir -p "$work/runtime"
npm install --prefix "$work/runtime" --no-save --no-audit --no-fund --loglevel=error "$pkg@$major"
node_dir=$work/runtime/node_modules/$pkg
node_bin=$node_dir/bin/node
[ -x "$node_bin" ] && [ -f "$node_dir/include/node/node_api.h" ] || { echo "test-node: $pkg@$major from the registry has no bin/node or headers" >&2; exit 1; }
export PATH="$(dirname "$node_bin"):$PATH" npm_config_nodedir="$node_dir"
echo "test-node: $(node -v) from $node_dir"

git clone -q --no-hardlinks "$repo" "$work/repo"
cd "$work/repo"
npm ci --no-audit --no-fund --loglevel=error
npx nx run-many -t build --outputStyle=static --skip-nx-cache >/dev/null
node -e 'require("better-sqlite3")(":memory:").close(); console.log("test-node: better-sqlite3 loads under " + process.version)'
npx vitest run --exclude '**/*.kernel.test.ts' --exclude '**/node_modules/**' --exclude '**/dist/**' "$@"
