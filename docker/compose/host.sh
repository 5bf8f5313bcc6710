#!/bin/bash
# One sixpn host in a container: the container's network namespace is the host's, its eth0 on
# the compose network the underlay WireGuard runs over. Writes what its host.joined needs (its
# WireGuard public key, endpoint, region, location) to /announce/host.env for orchestration
# (setup) to publish, since its own credentials (/secrets/host/agent.properties, User:host-N) may
# only read; starts the agent once setup has made the ACLs (/orders/ready), then the instances
# setup assigned to this host (/orders/host-N: app network id script), each through `sixpn run`
# as User:runtime-N. SIGTERM stops the instances (each publishes its instance.stopped) and then
# the agent.
set -uo pipefail
: "${SIXPN_HOST:?}" "${SIXPN_REGION:?}" "${SIXPN_LAT:?}" "${SIXPN_LON:?}" "${SIXPN_BOOTSTRAP:?}"
# The agent and its instances write per-namespace sysctls; Docker mounts /proc/sys read-only.
mount -o remount,rw /proc/sys
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
# A restarted container is a rebooted host: its instances' namespaces died with it, and what is
# left of them (the names under /run/netns, their resolver files) must not outlive them.
ip -all netns delete 2>/dev/null
rm -rf /run/netns/* /etc/netns/*
/opt/sixpn/compose/wait-brokers.sh || exit 1
underlay=$(ip -4 -o addr show dev eth0 | awk '{split($4, a, "/"); print a[1]; exit}')
agent_config=/secrets/host/agent.properties runtime_config=/secrets/host/runtime.properties
for i in $(seq 1 300); do
  [ -f /orders/ready ] && [ -f "$agent_config" ] && break
  [ "$i" = 300 ] && { echo "host $SIXPN_HOST: no ACLs (/orders/ready) or $agent_config" >&2; exit 1; }
  sleep 1
done

# The announcement, anew at every start (the underlay address may have changed): the key is made
# once and kept in the data directory. Written whole or not at all.
announce=(--host "$SIXPN_HOST" --region "$SIXPN_REGION" --lat "$SIXPN_LAT" --lon "$SIXPN_LON"
  --endpoint "$underlay:51820" --data-dir /var/lib/sixpn)
rm -f /announce/host.env
key=$(sixpn agent "${announce[@]}" --print-host-join | sed -n "s/.*--public-key '\([^']*\)'.*/\1/p")
[ -n "$key" ] || { echo "host $SIXPN_HOST: no WireGuard key" >&2; exit 1; }
printf 'host=%s\nregion=%s\nlat=%s\nlon=%s\nendpoint=%s\npublic-key=%s\n' "$SIXPN_HOST" \
  "$SIXPN_REGION" "$SIXPN_LAT" "$SIXPN_LON" "$underlay:51820" "$key" >/announce/.host.env
mv /announce/.host.env /announce/host.env

instances=()
stop() {
  [ ${#instances[@]} -gt 0 ] && kill -TERM "${instances[@]}" 2>/dev/null
  for pid in "${instances[@]}"; do wait "$pid" 2>/dev/null; done
  kill -TERM "$agent" 2>/dev/null
  wait "$agent"
  exit 0
}
trap stop TERM INT

SIXPN_JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" sixpn agent "${announce[@]}" \
  --bootstrap "$SIXPN_BOOTSTRAP" --kafka-config "$agent_config" --metrics 0.0.0.0:9464 &
agent=$!
until curl -sf -m 1 -o /dev/null http://127.0.0.1:9464/readyz; do
  kill -0 "$agent" 2>/dev/null || { wait "$agent"; exit; }
  sleep 1
done
echo "host $SIXPN_HOST: agent ready, underlay $underlay"

orders=/orders/host-$SIXPN_HOST
until [ -f "$orders" ]; do sleep 1; done
while read -r app network id script; do
  case "$app" in "" | "#"*) continue ;; esac
  echo "host $SIXPN_HOST: sixpn run $id ($app, network $network): $script"
  sixpn run --app "$app" --network "$network" --host "$SIXPN_HOST" --region "$SIXPN_REGION" \
    --instance-id "$id" --bootstrap "$SIXPN_BOOTSTRAP" --kafka-config "$runtime_config" \
    --timeout PT60S \
    -- "/opt/sixpn/compose/$script" &
  instances+=($!)
done <"$orders"
wait "$agent"
