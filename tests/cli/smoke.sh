#!/usr/bin/env bash
# Smoke test: the binary runs and answers --version and --help.
VIGIA=${VIGIA:-build/vigia}
check() { if "$@" >/dev/null 2>&1; then echo "PASS $*"; else echo "FAIL $*"; fi; }
check "$VIGIA" --version
check "$VIGIA" --help
check "$VIGIA" profile --help
