#!/bin/bash
# Run by the check service as an instance of checker-bagel-43 (organization 1) on host 1: the
# product announcement's examples, used as another app of the organization would.
. /opt/sixpn/compose/checks.sh
state=/tmp/sixpn-check

redis() {
  [ "$(redis-cli -h redis-bagel-43.internal set compose-check "$SIXPN_INSTANCE_ID")" = OK ] &&
    [ "$(redis-cli -h redis-bagel-43.internal get compose-check)" = "$SIXPN_INSTANCE_ID" ] &&
    echo "SET/GET through redis-bagel-43.internal ($(aaaa redis-bagel-43.internal))"
}
check "redis: bound to its 6PN address, reached by name" redis
aaaa redis-bagel-43.internal >"$state/redis"

# Each node has a route to each of the others' current addresses (a route to a node that died
# lingers until NATS's pings give up on it). Routes form asynchronously (a node that started before
# the others were in DNS learns of them by gossip or its next connect): wait up to 30 s.
nats_routes() {
  local out i
  for i in $(seq 1 30); do
    out=$(nats_routes_once) && { echo "$out"; return 0; }
    sleep 1
  done
  echo "$out (after 30 s)"
  return 1
}

nats_routes_once() {
  local addrs a b routes
  addrs=$(aaaa nats-bagel-43.internal)
  [ "$(echo "$addrs" | wc -w)" = 3 ] || { echo "nats-bagel-43.internal: $addrs"; return 1; }
  for a in $addrs; do
    routes=$(curl -sf -m 2 "http://[$a]:8222/routez" | grep -o '"ip": *"[^"]*"')
    for b in $addrs; do
      [ "$a" = "$b" ] || [[ $routes == *"\"$b\""* ]] || { echo "[$a] has no route to [$b]"; return 1; }
    done
  done
  echo "3 nodes, each routed to the other two, from nats-route://nats-bagel-43.internal:4248"
}
check "nats: a 3-node cluster from one route name" nats_routes

# A message published on one node arrives at a subscriber on another (raw NATS protocol).
nats_message() {
  local addrs sub pub got
  addrs=($(aaaa nats-bagel-43.internal))
  sub=${addrs[0]} pub=${addrs[2]}
  exec 3<>"/dev/tcp/$sub/4222" || return 1
  printf 'CONNECT {"verbose":false}\r\nSUB compose.check 1\r\nPING\r\n' >&3
  while read -r -t 3 line <&3; do [[ $line == PONG* ]] && break; done
  sleep 0.5
  exec 4<>"/dev/tcp/$pub/4222" || return 1
  printf 'CONNECT {"verbose":false}\r\nPUB compose.check 5\r\nhello\r\nPING\r\n' >&4
  got=
  while read -r -t 3 line <&3; do
    [[ $line == MSG* ]] && { read -r -t 3 got <&3; break; }
  done
  exec 3>&- 4>&-
  [ "${got%$'\r'}" = hello ] && echo "published on [$pub], received on [$sub]"
}
check "nats: a message crosses the cluster" nats_message
aaaa nats-bagel-43.internal >"$state/nats"

cache() {
  local shards seen=() first again
  shards=$(aaaa shard-bagel-43.internal | wc -w)
  [ "$shards" = 3 ] || { echo "shard-bagel-43.internal has $shards address(es)"; return 1; }
  for k in $(seq 1 30); do
    first=$(curl -sf -m 2 "http://fearsome-bagel-43.internal:8080/k$k") || { echo "no answer for /k$k"; return 1; }
    again=$(curl -sf -m 2 "http://fearsome-bagel-43.internal:8080/k$k")
    [ "$first" = "$again" ] || { echo "/k$k went to '$first' then '$again'"; return 1; }
    seen+=("$first")
  done
  n=$(printf '%s\n' "${seen[@]}" | sort -u | wc -l)
  [ "$n" = 3 ] || { echo "30 keys reached $n shard(s), not 3"; return 1; }
  echo "30 keys over 3 shards, each key always on the same shard"
}
check "nginx: consistent-hash upstream from dig aaaa shard-bagel-43.internal +short" cache

apps() {
  local txt
  txt=$(dig txt _apps.internal +short)
  [[ $txt == *fearsome-bagel-43* && $txt == *redis-bagel-43* && $txt != *secret* ]] && echo "$txt"
}
check "dns: _apps.internal lists this organization's apps only" apps
check "isolation: secret-app.internal does not answer organization 1" \
  bash -c '[ -z "$(dig aaaa secret-app.internal +short)" ] && echo "no AAAA"'
exit 0
