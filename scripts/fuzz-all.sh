#!/bin/sh
# Run every fuzz target in the module for FUZZTIME each (default 30s).
# Usage: scripts/fuzz-all.sh [PATTERN]   (PATTERN filters target names)
set -eu
cd "$(dirname "$0")/.."
time=${FUZZTIME:-30s}
pattern=${1:-.}
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r file; do
	pkg=./$(dirname "${file#./}")
	grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //' | grep -E "$pattern" | while read -r target; do
		echo "== $pkg $target ($time)"
		go test -run '^$' -fuzz "^$target\$" -fuzztime "$time" "$pkg"
	done
done
