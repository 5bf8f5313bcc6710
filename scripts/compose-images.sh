#!/usr/bin/env bash
# Builds the images docker-compose.yml runs and Testcontainers' broker, from this repository:
#   sixpn/debian:bookworm  Debian's minbase, made with mmdebstrap from the machine's apt source
#                          (no image registry is assumed reachable); skipped when present
#   sixpn/runtime:<java>   the base and a jlink runtime of the JDK scripts/java-home.sh selects
#                          (Debian has no Java 25); skipped when present
#   sixpn/kafka:dev        a KRaft broker from the Kafka classes in agent/target/sixpn.jar
#   sixpn/host:dev         one sixpn host: the agent, its dataplane's tools, the instances' workloads
# Needs a Docker engine (scripts/install-deps.sh compose) and agent/target/sixpn.jar (build it
# first: ./sixpn build). Docker's layer cache makes a second run take seconds.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/java-home.sh"
jar="$root/agent/target/sixpn.jar"
[ -f "$jar" ] || { echo "sixpn: $jar is missing; build it first (./sixpn build)" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "sixpn: no Docker engine answers (scripts/install-deps.sh compose starts one)" >&2; exit 1; }

work=$(mktemp -d /tmp/sixpn-images.XXXXXX)
trap 'rm -rf "$work"' EXIT
present() { docker image inspect "$1" >/dev/null 2>&1; }
# docker build, its output shown only when it fails (the client's notes about builders are noise)
build() {
  docker build -q "$@" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; return 1; }
}

base=sixpn/debian:bookworm
if ! present "$base"; then
  # The first URI of the machine's apt sources: the mirror that answers here.
  mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  echo "sixpn: making $base with mmdebstrap from ${mirror:?no apt source found}" >&2
  mmdebstrap --quiet --variant=minbase bookworm "$work/bookworm.tar" "$mirror"
  docker import "$work/bookworm.tar" "$base" >/dev/null
  rm -f "$work/bookworm.tar"
fi

java_version=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')
runtime="sixpn/runtime:${java_version//+/_}"
if ! present "$runtime"; then
  echo "sixpn: making $runtime (jlink of $JAVA_HOME)" >&2
  mkdir "$work/runtime"
  cp "$root/docker/runtime/Dockerfile" "$work/runtime/"
  "$JAVA_HOME/bin/jlink" --output "$work/runtime/jre" --strip-debug --no-header-files --no-man-pages \
    --add-modules java.se,jdk.unsupported,jdk.management,jdk.management.agent,jdk.httpserver,jdk.crypto.cryptoki,jdk.naming.dns,jdk.net,jdk.security.auth,jdk.security.jgss,jdk.zipfs,jdk.jfr
  build --build-arg BASE="$base" -t "$runtime" "$work/runtime"
  rm -rf "$work/runtime"
fi

for image in kafka host; do
  ctx="$work/$image"
  cp -r "$root/docker/$image" "$ctx"
  ln "$jar" "$ctx/sixpn.jar" 2>/dev/null || cp "$jar" "$ctx/sixpn.jar"
  [ "$image" = host ] && cp -r "$root/docker/compose" "$ctx/compose"
  echo "sixpn: building sixpn/$image:dev" >&2
  build --build-arg RUNTIME="$runtime" -t "sixpn/$image:dev" "$ctx"
done
# Builds leave the previous tag's image behind, unnamed: remove those.
docker image prune -f >/dev/null 2>&1 || true
echo "sixpn: images ready: $base $runtime sixpn/kafka:dev sixpn/host:dev" >&2
