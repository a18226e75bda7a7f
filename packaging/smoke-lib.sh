# Shared by the smoke scripts: one line per check, a non-zero exit when any
# failed, and cleanup of what the script started (by process group id only).
failures=0
check() { # check NAME COMMAND...: runs COMMAND, reports it
  local name=$1
  shift
  if "$@" >>"$SMOKE_LOG" 2>&1; then
    echo "ok    $SMOKE_OS: $name"
  else
    echo "FAIL  $SMOKE_OS: $name (details in $SMOKE_LOG)"
    failures=$((failures + 1))
  fi
}
finish() {
  if [ "$failures" -gt 0 ]; then
    echo "$SMOKE_OS smoke: $failures check(s) failed; log: $SMOKE_LOG"
    exit 1
  fi
  echo "$SMOKE_OS smoke: all checks passed"
}
# wait_for SECONDS COMMAND...: polls COMMAND twice a second until it
# succeeds or SECONDS pass (a shell has no event to wait on here).
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}
# no_crash LOGFILE: the log shows no Go panic or fatal error.
no_crash() { ! grep -E -q '^(panic:|fatal error:)|goroutine [0-9]+ \[running\]' "$1"; }
# no_keeper_crash LOGFILE: no panic of the keeper in its log. The window,
# started by the keeper, writes to the same log; a panic whose main frame is
# the window's is the window's (see dashboard_crashed), any other counts.
no_keeper_crash() {
  local panics window
  panics=$(grep -E -c '^(panic:|fatal error:)' "$1" || true)
  window=$(grep -E -c 'exactkeeper-dashboard/main\.go' "$1" || true)
  [ "$panics" -le "$window" ]
}
# dashboard_crashed LOGFILE: the window panicked (its main frame is in the log).
dashboard_crashed() { grep -E -q 'exactkeeper-dashboard/main\.go' "$1"; }
