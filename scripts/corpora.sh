#!/bin/sh
# Downloads the public corpora of real mail the benchmarks measure against, from the
# package registries, into .corpora/ (not committed): bounces from flufl.bounce and
# bounced (PyPI), replies from talon (PyPI), Crisp's email-reply-parser, parse-reply and
# planer (npm). sisimai's own corpus is on GitHub only: clone
# https://github.com/sisimai/set-of-emails and give its maildir/bsd/ to bench.bounces.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
corpora="$root/.corpora"
mkdir -p "$corpora"
cd "$corpora"
for package in flufl.bounce==6.0.0 bounced==0.3.0 talon==1.4.4; do
  "$root/.venv/bin/python" -m pip download --quiet --no-binary :all: --no-deps --no-build-isolation \
    --dest . "$package" 2>/dev/null || "$root/.venv/bin/python" -m pip download --quiet \
    --no-binary :all: --no-deps --dest . "$package"
done
for archive in *.tar.gz; do tar xzf "$archive"; done
for package in email-reply-parser@1.4.2 parse-reply@0.0.4 planer@1.2.0; do
  name=${package%@*}
  mkdir -p "npm-$name"
  (cd "npm-$name" && npm pack --silent "$package" >/dev/null && tar xzf ./*.tgz)
done
echo "corpora in $corpora"
