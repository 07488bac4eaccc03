#!/bin/sh
# Writes the database an earlier release's demo leaves (two simulated years of history),
# for tests/test_upgrade.py: every later migration must carry each of its records.
#   scripts/release-database.sh COMMIT
# Run it with the commit before a schema change; it adds
# tests/data/releases/<revision>-demo-<commit>.db.gz. Needs .venv/ and sqlite3.
set -e
commit=$(git rev-parse --short "${1:?usage: $0 COMMIT}")
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/tree" 2>/dev/null; rm -rf "$work"' EXIT
git -C "$root" worktree add --quiet --detach "$work/tree" "$commit"
(cd "$work/tree" && PYTHONPATH="$work/tree" "$root/.venv/bin/python" -c \
  'import importlib
try:  # the CLI'"'"'s module since the capability layout, before it continuity.cli
    app = importlib.import_module("continuity.cli.main").app
except ImportError:
    app = importlib.import_module("continuity.cli").app
app()' demo --directory "$work/demo" >/dev/null 2>&1)
database="$work/demo/continuity.db"
sqlite3 "$database" 'PRAGMA wal_checkpoint(TRUNCATE); VACUUM;' >/dev/null
revision=$(sqlite3 "$database" 'SELECT version_num FROM alembic_version')
gzip -9 -n -c "$database" > "$root/tests/data/releases/$revision-demo-$commit.db.gz"
echo "tests/data/releases/$revision-demo-$commit.db.gz"
