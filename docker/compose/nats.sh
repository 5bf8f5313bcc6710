#!/bin/sh
# A NATS node whose only route is the app's own name: each node finds the others through DNS.
conf=/tmp/nats-$SIXPN_INSTANCE_ID.conf
cat >"$conf" <<CONF
server_name: $SIXPN_INSTANCE_ID
# A node whose host died sends no FIN: find out within seconds, not minutes.
ping_interval: "5s"
ping_max: 2
listen: "[$SIXPN_PRIVATE_IP]:4222"
http: "[$SIXPN_PRIVATE_IP]:8222"
cluster {
  name: bagel
  listen: "[$SIXPN_PRIVATE_IP]:4248"
  routes: ["nats-route://$SIXPN_APP.internal:4248"]
  # A route learned by gossip is tried once by default (connect_retries 0): one learned before
  # the other node's instance was reachable never formed, and the mesh stayed partial
  # (https://docs.nats.io/reference/config/cluster/connect_retries). Retry once a second.
  connect_retries: 60
}
CONF
exec nats-server -c "$conf"
