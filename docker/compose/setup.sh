#!/bin/bash
# Orchestration for docker-compose.yml, as User:orchestrator (a super user): makes the ACLs
# (hosts read; each host's `sixpn run` writes), creates the two organizations and their apps,
# assigns instances to hosts (/orders/host-N, which each host runs through `sixpn run`), then
# watches the hosts. A host's host.joined is published from what the host wrote to its announce
# volume (/announce/host-N/host.env), each field checked first, whenever it changes or the host
# comes back. A host whose agent has not answered /readyz for SIXPN_HOST_DEAD_AFTER seconds (5)
# is given up on: setup publishes its host.left, and every host drops its instances from DNS and
# its peers.
set -euo pipefail
: "${SIXPN_BOOTSTRAP:?}"
config=${SIXPN_KAFKA_CONFIG:-/secrets/orchestrator/orchestrator.properties}
for i in $(seq 1 120); do
  [ -f "$config" ] && break
  [ "$i" = 120 ] && { echo "setup: no $config after 120 s" >&2; exit 1; }
  sleep 1
done
/opt/sixpn/compose/wait-brokers.sh
kafka=(--bootstrap "$SIXPN_BOOTSTRAP" --kafka-config "$config")
# 60 s, not 10: at start-up the brokers, three agents and these JVMs share the machine's cores,
# and a TLS and SCRAM handshake per connection.
publish() { sixpn publish "$@" "${kafka[@]}" --timeout PT60S >/dev/null; }

principals=()
for entry in ${SIXPN_HOSTS:-1:host1 2:host2 3:host3}; do
  principals+=(--host-principal "User:host-${entry%%:*}" --orchestrator-principal "User:runtime-${entry%%:*}")
done
sixpn kafka acls "${kafka[@]}" --timeout PT60S "${principals[@]}" >/dev/null
echo "setup: ACLs made: hosts read, their sixpn run publishes"

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
: >/orders/ready

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

# A host's announcement: host.env's fields, each checked (the host may be compromised: nothing of
# it reaches a shell), then `sixpn publish host-join` checks them again. Prints the arguments.
announcement() {
  local id=$1 file=/announce/host-$1/host.env line
  local -A f=()
  [ -f "$file" ] || return 1
  # Split at the first '=' only (`IFS== read` drops a base64 key's trailing '=').
  while IFS= read -r line; do f[${line%%=*}]=${line#*=}; done <"$file"
  [ "${f[host]:-}" = "$id" ] || { echo "setup: $file names host '${f[host]:-}', not $id" >&2; return 1; }
  [[ ${f[region]:-} =~ ^[a-z]{3}$ && ${f[lat]:-} =~ ^-?[0-9]{1,2}(\.[0-9]+)?$ &&
    ${f[lon]:-} =~ ^-?[0-9]{1,3}(\.[0-9]+)?$ && ${f[endpoint]:-} =~ ^[0-9.]{7,15}:[0-9]{1,5}$ &&
    ${f[public-key]:-} =~ ^[A-Za-z0-9+/]{43}=$ ]] || { echo "setup: $file is malformed" >&2; return 1; }
  echo "--host $id --region ${f[region]} --lat ${f[lat]} --lon ${f[lon]} --endpoint ${f[endpoint]} --public-key ${f[public-key]}"
}

dead_after=${SIXPN_HOST_DEAD_AFTER:-5}
declare -A last_seen left announced
while true; do
  now=$(date +%s)
  for entry in ${SIXPN_HOSTS:-1:host1 2:host2 3:host3}; do
    id=${entry%%:*} name=${entry#*:}
    # Announced as soon as the host says who it is, before its agent is ready (its peers need it),
    # but after a host.left only once the host answers again: the file outlives a dead host.
    if [ "${left[$id]:-}" != yes ] && args=$(announcement "$id") &&
      [ "$args" != "${announced[$id]:-}" ]; then
      # shellcheck disable=SC2086 # checked above: words without spaces or shell characters
      publish host-join $args && announced[$id]=$args && echo "setup: host $id joined: $args"
    fi
    if curl -sf -m 1 -o /dev/null "http://$name:9464/readyz"; then
      if [ "${left[$id]:-}" = yes ] && args=$(announcement "$id"); then
        # shellcheck disable=SC2086
        publish host-join $args && announced[$id]=$args && echo "setup: host $id is back: $args"
      fi
      last_seen[$id]=$now left[$id]=no
    elif [ "${left[$id]:-}" = no ] && [ $((now - ${last_seen[$id]})) -ge "$dead_after" ]; then
      echo "setup: host $id has not answered for ${dead_after} s: publishing host.left"
      # Its next announcement is published even if nothing in it changed.
      publish host-leave --host "$id" && left[$id]=yes announced[$id]=""
    fi
  done
  sleep 1
done
