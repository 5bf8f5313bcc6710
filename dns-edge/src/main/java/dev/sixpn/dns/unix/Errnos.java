package dev.sixpn.dns.unix;

/** Names and fixes for the errnos socket setup runs into. */
final class Errnos {

  private Errnos() {}

  static String describe(int errno) {
    return switch (errno) {
      case 1 -> "EPERM (1)";
      case 13 -> "EACCES (13): ports below 1024 need root or CAP_NET_BIND_SERVICE";
      case 22 -> "EINVAL (22)";
      case 97 -> "EAFNOSUPPORT (97): the kernel has no such address family (IPv6 disabled?)";
      case 98 -> "EADDRINUSE (98): another process serves this address and port";
      case 99 -> "EADDRNOTAVAIL (99): no interface has this address (add it, e.g. ip -6 addr add)";
      case 105 -> "ENOBUFS (105)";
      case 111 -> "ECONNREFUSED (111)";
      default -> "errno " + errno;
    };
  }
}
