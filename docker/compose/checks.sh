# Sourced by the check instances: `check NAME CMD...` retries CMD (the environment may still be
# converging) until it succeeds or SIXPN_CHECK_WAIT seconds (90) have passed since the first
# check, then prints one line: "[ok] NAME: output" or "[FAIL] NAME: output". Results are
# appended to $SIXPN_CHECK_RESULTS.
: "${SIXPN_CHECK_RESULTS:=/tmp/sixpn-check/results}"
check_deadline=${check_deadline:-$(($(date +%s) + ${SIXPN_CHECK_WAIT:-90}))}
check() {
  name=$1
  shift
  while true; do
    if out=$("$@" 2>&1); then
      echo "[ok] $name: $(echo $out)"
      echo ok >>"$SIXPN_CHECK_RESULTS"
      return 0
    fi
    if [ "$(date +%s)" -ge "$check_deadline" ]; then
      echo "[FAIL] $name: $(echo $out)"
      echo fail >>"$SIXPN_CHECK_RESULTS"
      return 1
    fi
    sleep 1
  done
}
# Fails (and so is retried) when CMD succeeds: for what another organization must not reach.
refused() {
  if out=$("$@" 2>&1); then
    echo "reached: $out"
    return 1
  fi
  out=$(echo "$out" | head -c 120)
  echo "refused (${out:-no answer})"
}
refused_at() {
  [ -n "$1" ] || { echo "no address to try"; return 1; }
  shift
  refused "$@"
}
aaaa() { dig aaaa "$1" +short | grep -E '^[0-9a-f:]+$' | sort; }
