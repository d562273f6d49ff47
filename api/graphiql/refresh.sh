#!/usr/bin/env bash
# Refreshes the vendored GraphiQL and React bundles in vendor/ from the npm
# registry, at the versions and integrity hashes pinned in package.json and
# package-lock.json, and rewrites vendor/SHA256SUMS.
#
#   api/graphiql/refresh.sh           # after changing a version in package.json
#   api/graphiql/refresh.sh --check   # the vendored files match SHA256SUMS
#
# The bundles are committed so that `cargo run --release` on a fresh clone
# serves /graphiql with no request leaving the server and nothing to install
# (no npm at build time, no CDN at run time). To upgrade: change the versions
# in package.json, run `npm install --package-lock-only` here, then this.
set -euo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = "--check" ]; then
  (cd vendor && sha256sum --quiet --check SHA256SUMS)
  exit
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp package.json package-lock.json "$work/"
# npm ci checks each tarball against the lock file's integrity hash.
npm ci --prefix "$work" --no-audit --no-fund --loglevel=error --ignore-scripts

modules="$work/node_modules"
cp "$modules/react/umd/react.production.min.js" vendor/
cp "$modules/react-dom/umd/react-dom.production.min.js" vendor/
cp "$modules/graphiql/graphiql.min.js" vendor/
cp "$modules/graphiql/graphiql.min.css" vendor/
cp "$modules/react/LICENSE" vendor/LICENSE.react
cp "$modules/react-dom/LICENSE" vendor/LICENSE.react-dom
cp "$modules/graphiql/LICENSE" vendor/LICENSE.graphiql
{
  for pkg in react react-dom graphiql; do
    printf '%s %s\n' "$pkg" "$(node -p "require('$modules/$pkg/package.json').version")"
  done
} > vendor/VERSIONS
(cd vendor && sha256sum react.production.min.js react-dom.production.min.js \
  graphiql.min.js graphiql.min.css LICENSE.* VERSIONS > SHA256SUMS)
echo "vendored:"; cat vendor/VERSIONS
