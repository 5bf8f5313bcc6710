#!/bin/bash
# The check service: on host 1 (its network and process namespaces, and through nsenter its
# mounts, where the agent and `ip netns` keep an instance's files), starts two instances through
# `sixpn run` -- one of organization 1, one of organization 2 -- that check the examples and the
# isolation; checks that host 1's agent credentials cannot publish and that a client without
# credentials is not served; prints one line per check and a count, exits 0 when every check
# passed, else 1.
set -uo pipefail
if [ "${1:-}" != --on-host ]; then
  exec nsenter --target 1 --mount -- /opt/sixpn/compose/check.sh --on-host
fi
export SIXPN_CHECK_RESULTS=/tmp/sixpn-check/results
mkdir -p /tmp/sixpn-check && : >"$SIXPN_CHECK_RESULTS"
# The host's agent must be up before an instance can be filtered and get its resolver.
until curl -sf -m 1 -o /dev/null http://127.0.0.1:9464/readyz; do sleep 1; done
/opt/sixpn/compose/wait-brokers.sh
. /opt/sixpn/compose/checks.sh

# The lifecycle topic exists (setup made it): a refusal now is the ACL's, not a missing topic's.
agent_cannot_publish() {
  if out=$(sixpn publish network-create --network 999 --name intruder --bootstrap \
    "$SIXPN_BOOTSTRAP" --kafka-config /secrets/host/agent.properties --timeout PT20S 2>&1); then
    echo "published: $out"
    return 1
  fi
  case "$out" in
    *"Authorization failed"*) echo "refused: $(grep -m1 -o 'Authorization failed[^"]*' <<<"$out")" ;;
    *) echo "failed, but not on authorization: $out" && return 1 ;;
  esac
}
no_credentials_refused() {
  if out=$(sixpn publish network-create --network 998 --name anonymous --bootstrap \
    "$SIXPN_BOOTSTRAP" --timeout PT5S 2>&1); then
    echo "published: $out"
    return 1
  fi
  echo "refused: $(grep -m1 '^sixpn publish' <<<"$out" | cut -c1-100)"
}
check "acl: host 1's agent credentials (User:host-1) cannot publish" agent_cannot_publish
check "acl: a client without credentials gets nothing" no_credentials_refused

log=/tmp/sixpn-check/run.log
run() {
  sixpn run --host 1 --region nrt --bootstrap "$SIXPN_BOOTSTRAP" \
    --kafka-config /secrets/host/runtime.properties --timeout PT60S "$@" 2>>"$log" ||
    { echo "sixpn run $*: exit $?; its log:"; tail -20 "$log"; }
}
run --app checker-bagel-43 --network 1 --instance-id check-bagel -- /opt/sixpn/compose/check-bagel.sh
run --app intruder-secret --network 2 --instance-id check-secret -- /opt/sixpn/compose/check-secret.sh
passed=$(grep -c '^ok' "$SIXPN_CHECK_RESULTS")
failed=$(grep -c '^fail' "$SIXPN_CHECK_RESULTS")
if [ "$passed" -eq 0 ]; then failed=$((failed + 1)); fi
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
