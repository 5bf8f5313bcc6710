#!/bin/bash
# Run by the check service as an instance of intruder-secret (organization 2) on host 1: what
# organization 1 runs must be invisible and unreachable from here, its own app reachable.
. /opt/sixpn/compose/checks.sh
state=/tmp/sixpn-check
redis_addr=$(head -1 "$state/redis")
nats_addr=$(head -1 "$state/nats")

check "organization 2: its own secret-app.internal answers" \
  bash -c 'curl -sf -m 2 http://secret-app.internal:8080/'
check "isolation: redis-bagel-43.internal does not resolve for organization 2" \
  bash -c '[ -z "$(dig aaaa redis-bagel-43.internal +short)" ] && echo "no AAAA"'
check "isolation: _apps.internal shows organization 2 only" \
  bash -c 't=$(dig txt _apps.internal +short); [[ $t == *secret-app* && $t != *bagel* ]] && echo "$t"'
# Organization 1's addresses, as its checker saw them: a check without one fails.
check "isolation: Redis at [${redis_addr:-?}] refuses organization 2" \
  refused_at "$redis_addr" timeout 3 redis-cli -h "$redis_addr" ping
check "isolation: NATS at [${nats_addr:-?}] refuses organization 2" \
  refused_at "$nats_addr" curl -sf -m 2 "http://[$nats_addr]:8222/varz"
exit 0
