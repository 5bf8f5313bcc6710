package dev.sixpn.dns.wire;

/** How a query arrived: the UDP size limit applies only to {@link #UDP}. */
public enum Transport {
  UDP,
  TCP
}
