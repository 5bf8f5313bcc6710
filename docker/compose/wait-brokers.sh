#!/bin/bash
# Waits (120 s at most) until every broker of SIXPN_BOOTSTRAP accepts connections: a KRaft
# broker listens only once it has registered, so the first client to create the lifecycle topic
# counts all three and gives it three replicas.
set -euo pipefail
for hp in ${SIXPN_BOOTSTRAP//,/ }; do
  for i in $(seq 1 120); do
    (exec 3<>"/dev/tcp/${hp%:*}/${hp##*:}") 2>/dev/null && break
    [ "$i" = 120 ] && { echo "broker $hp did not answer in 120 s" >&2; exit 1; }
    sleep 1
  done
done
