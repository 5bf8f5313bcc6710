#!/usr/bin/env python3
"""Prints user+sys CPU seconds of a process and all its descendants (threads included)."""
import os, sys

def children(pid):
    out = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open(f'/proc/{d}/stat') as f:
                fields = f.read().rsplit(')', 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(d))
        except OSError:
            pass
    return out

def cpu(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
        # after the ')' field 0 is state; utime and stime are stat fields 14 and 15 (1-based)
        t = int(fields[11]) + int(fields[12])
    except OSError:
        return 0
    return t + sum(cpu(c) for c in children(pid))

print(cpu(int(sys.argv[1])) / os.sysconf('SC_CLK_TCK'))
