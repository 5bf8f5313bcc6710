#!/bin/sh
# A cache shard: nginx on the instance's 6PN address, answering with the instance's id.
conf=/tmp/nginx-$SIXPN_INSTANCE_ID.conf
cat >"$conf" <<CONF
daemon off;
pid /tmp/nginx-$SIXPN_INSTANCE_ID.pid;
error_log stderr;
events {}
http {
  access_log off;
  server {
    listen [$SIXPN_PRIVATE_IP]:8080;
    location / { default_type text/plain; return 200 "shard $SIXPN_INSTANCE_ID\n"; }
  }
}
CONF
exec nginx -c "$conf"
