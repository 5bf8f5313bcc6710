#!/bin/sh
# The announcement's sharded cache: nginx whose consistent-hash upstream is the shard app's
# addresses, from `dig aaaa shard-bagel-43.internal +short`; looked up again every 2 s, and
# nginx reloaded when they change (instances join and leave).
conf=/tmp/nginx-$SIXPN_INSTANCE_ID.conf
shards_app=${SIXPN_SHARDS_APP:-shard-bagel-43}
render() {
  {
    echo "pid /tmp/nginx-$SIXPN_INSTANCE_ID.pid;"
    echo "error_log stderr;"
    echo "events {}"
    echo "http {"
    echo "  access_log off;"
    echo "  upstream shards {"
    echo "    hash \"\${scheme}$SIXPN_APP\${request_uri}\" consistent;"
    for a in $1; do echo "    server [$a]:8080;"; done
    echo "  }"
    echo "  server {"
    echo "    listen [$SIXPN_PRIVATE_IP]:8080 default_server;"
    echo "    location / { proxy_pass http://shards; }"
    echo "  }"
    echo "}"
  } >"$conf"
}
lookup() { dig aaaa "$shards_app.internal" +short | sort; }
shards=$(lookup)
while [ -z "$shards" ]; do sleep 1; shards=$(lookup); done
render "$shards"
nginx -c "$conf" -g 'daemon off;' &
nginx=$!
trap 'kill -TERM $nginx; wait $nginx; exit 0' TERM INT
echo "cache: upstream shards $(echo $shards)"
while kill -0 $nginx 2>/dev/null; do
  sleep 2
  now=$(lookup)
  if [ -n "$now" ] && [ "$now" != "$shards" ]; then
    shards=$now
    render "$shards"
    nginx -c "$conf" -s reload
    echo "cache: upstream shards $(echo $shards)"
  fi
done
wait $nginx
