#!/bin/bash
# Orchestration for docker-compose.yml: creates the two organizations and their apps, assigns
# instances to hosts (/orders/host-N, which each host runs through `sixpn run`), then watches
# the hosts. A host whose agent has not answered /readyz for SIXPN_HOST_DEAD_AFTER seconds (5)
# is given up on: setup publishes its host.left, and every host drops its instances from DNS and
# its peers. A host that comes back announces itself and starts its instances anew.
set -euo pipefail
: "${SIXPN_BOOTSTRAP:?}"
/opt/sixpn/compose/wait-brokers.sh
publish() { sixpn publish "$@" --bootstrap "$SIXPN_BOOTSTRAP" >/dev/null; }

# The first publisher creates the lifecycle topic; the rest run side by side.
publish network-create --network 1 --name bagel
pids=()
publish network-create --network 2 --name secret & pids+=($!)
for app in redis-bagel-43 nats-bagel-43 shard-bagel-43 fearsome-bagel-43 checker-bagel-43; do
  publish app-create --network 1 --app "$app" & pids+=($!)
done
for app in secret-app intruder-secret; do
  publish app-create --network 2 --app "$app" & pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
echo "setup: networks 1 (bagel) and 2 (secret) and their apps created"

# app network instance-id script: the product announcement's examples, spread over three hosts
write_orders() {
  printf '%s\n' "${@:2}" >"/orders/.host-$1" && mv "/orders/.host-$1" "/orders/host-$1"
}
write_orders 1 "nats-bagel-43 1 nats-1 nats.sh" "shard-bagel-43 1 shard-1 shard.sh" \
  "fearsome-bagel-43 1 cache-1 cache.sh"
write_orders 2 "redis-bagel-43 1 redis-1 redis.sh" "nats-bagel-43 1 nats-2 nats.sh" \
  "shard-bagel-43 1 shard-2 shard.sh"
write_orders 3 "nats-bagel-43 1 nats-3 nats.sh" "shard-bagel-43 1 shard-3 shard.sh" \
  "secret-app 2 secret-1 shard.sh"
echo "setup: instances assigned to hosts 1, 2 and 3"

dead_after=${SIXPN_HOST_DEAD_AFTER:-5}
declare -A last_seen left
while true; do
  now=$(date +%s)
  for entry in ${SIXPN_HOSTS:-1:host1 2:host2 3:host3}; do
    id=${entry%%:*} name=${entry#*:}
    if curl -sf -m 1 -o /dev/null "http://$name:9464/readyz"; then
      [ "${left[$id]:-}" = yes ] && echo "setup: host $id is back"
      last_seen[$id]=$now left[$id]=no
    elif [ "${left[$id]:-}" = no ] && [ $((now - ${last_seen[$id]})) -ge "$dead_after" ]; then
      echo "setup: host $id has not answered for ${dead_after} s: publishing host.left"
      publish host-leave --host "$id" && left[$id]=yes
    fi
  done
  sleep 1
done
