#!/bin/sh
# Compiles the dataplane's BPF programs; run by Maven (exec-maven-plugin, generate-resources) so
# that the object ships inside the jar. Usage: build.sh <source dir> <output dir>
set -eu
src="$1"; out="$2"
if ! command -v clang >/dev/null 2>&1; then
  echo "clang not found: the dataplane's BPF programs need it to build." >&2
  echo "Install: apt-get install --no-install-recommends clang llvm libbpf-dev linux-libc-dev" >&2
  exit 1
fi
if [ ! -f /usr/include/bpf/bpf_helpers.h ]; then
  echo "bpf/bpf_helpers.h not found: apt-get install --no-install-recommends libbpf-dev" >&2
  exit 1
fi
mkdir -p "$out"
clang -O2 -g -Wall -Werror -target bpf -I/usr/include/x86_64-linux-gnu \
  -c "$src/sixpn.bpf.c" -o "$out/sixpn.bpf.o"
