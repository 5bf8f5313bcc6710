#!/bin/sh
# The announcement's Redis: bound to the instance's 6PN address (local-6pn in /etc/hosts), so
# only its own organization reaches it.
exec redis-server --bind "$(grep local-6pn /etc/hosts | awk '{print $1}')" --protected-mode no \
  --save '' --appendonly no --dir /tmp
