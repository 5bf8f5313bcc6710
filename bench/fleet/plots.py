#!/usr/bin/env python3
"""Plots of bench/fleet/run.sh: DNS q/s vs churn, agent RSS vs instances folded, event -> answer
   and event -> map entry CDF.
   plots.py <out-dir> <img-dir>"""
import csv, os, sys

import matplotlib
matplotlib.use('Agg')  # files only, no display
import matplotlib.pyplot as plt

src, img = sys.argv[1:3]
os.makedirs(img, exist_ok=True)


def rows(name):
    with open(os.path.join(src, name)) as f:
        return list(csv.DictReader(f))


dns = rows('dns.csv')
rates = [int(r['churn_per_s']) for r in dns]
qps = [float(r['qps']) for r in dns]
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(rates, qps, 'o-')
ax.axhline(0.8 * qps[rates.index(0)], color='grey', ls='--', label='80% of quiet')
ax.set_xlabel('fleet churn folded by the agent (events/s)')
ax.set_ylabel('DNS queries/s answered (dnsperf)')
ax.set_ylim(bottom=0)
ax.set_title('DNS edge throughput while folding fleet churn')
ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(img, 'fleet-dns-vs-churn.png'), dpi=100)

rss = rows('rss.csv')
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot([int(r['instances']) / 1e3 for r in rss], [int(r['rss_mib']) for r in rss], 'o-')
ax.set_xlabel('fleet instances folded (thousands)')
ax.set_ylabel('agent RSS (MiB)')
ax.set_ylim(bottom=0)
ax.set_title('Agent RSS during the initial fold (scripts/jvm-flags.sh)')
fig.tight_layout()
fig.savefig(os.path.join(img, 'fleet-rss.png'), dpi=100)

lat = rows('latency.csv')
fig, ax = plt.subplots(figsize=(6, 4))
for mode in dict.fromkeys(r['mode'] for r in lat):
    v = sorted(float(r['ms']) for r in lat if r['mode'] == mode)
    ax.step(v, [(i + 1) / len(v) for i in range(len(v))], where='post', label=mode)
ax.set_xscale('log')
ax.set_xlabel('instance.started published -> AAAA answered / locals map entry (ms)')
ax.set_ylabel('fraction of events')
ax.set_title('Event -> DNS answer and -> BPF map entry, quiet vs churn')
ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(img, 'fleet-latency-cdf.png'), dpi=100)
print('plots written to', img)
