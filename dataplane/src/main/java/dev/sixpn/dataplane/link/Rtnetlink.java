package dev.sixpn.dataplane.link;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Routes, addresses and link events over an {@code AF_NETLINK}/{@code NETLINK_ROUTE} socket from
 * Java (FFM), so nothing on the event path starts a process. The socket belongs to the network
 * namespace of the thread that opened it (a {@link NetnsExecutor} thread for a named one); after
 * that any one thread at a time may use it.
 *
 * <p>Layouts are the kernel's uapi ({@code linux/netlink.h}, {@code linux/rtnetlink.h}, {@code
 * linux/if_addr.h}): {@code nlmsghdr} 16 bytes, {@code rtmsg} 12, {@code ifaddrmsg} 8, {@code
 * ifinfomsg} 16, attributes 4-byte aligned; integers in host byte order, addresses in network
 * order. Requests ask for an ACK, so every error comes back as the kernel's errno.
 */
public final class Rtnetlink implements AutoCloseable {

  static final int AF_INET6 = 10;
  private static final int AF_NETLINK = 16;
  private static final int SOCK_RAW = 3;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int NETLINK_ROUTE = 0;
  private static final int SOL_SOCKET = 1;
  private static final int SO_RCVTIMEO = 20;
  private static final int SO_RCVBUF = 8;

  static final short RTM_NEWLINK = 16;
  static final short RTM_DELLINK = 17;

  /** rtattr type of a link's name in ifinfomsg messages (linux/if_link.h). */
  private static final int IFLA_IFNAME = 3;

  static final short RTM_NEWADDR = 20;
  static final short RTM_NEWROUTE = 24;
  static final short RTM_DELROUTE = 25;
  static final short RTM_GETROUTE = 26;
  private static final short NLMSG_ERROR = 2;
  private static final short NLMSG_DONE = 3;

  private static final short NLM_F_REQUEST = 1;
  private static final short NLM_F_ACK = 4;
  private static final short NLM_F_DUMP = 0x300;
  private static final short NLM_F_REPLACE = 0x100;
  private static final short NLM_F_CREATE = 0x400;

  /** The link multicast group, RTNLGRP_LINK (1), as a bind(2) group mask. */
  static final int RTMGRP_LINK = 1;

  static final int RT_TABLE_MAIN = 254;
  static final int RTN_UNICAST = 1;
  static final int RTN_UNREACHABLE = 7;
  private static final int RT_SCOPE_UNIVERSE = 0;
  private static final int RT_SCOPE_LINK = 253;
  private static final short RTA_DST = 1;
  private static final short RTA_OIF = 4;
  private static final short RTA_TABLE = 15;
  private static final short IFA_ADDRESS = 1;
  private static final short IFA_LOCAL = 2;
  private static final short IFA_FLAGS = 8;
  static final int IFA_F_NODAD = 0x02;

  private static final int ESRCH = 3;
  private static final int EAGAIN = 11;
  private static final int ENOBUFS = 105;

  private static final int HDR = 16;
  private static final int BUFFER = 64 * 1024;

  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle SOCKET =
      handle("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle BIND =
      handle("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SETSOCKOPT =
      handle(
          "setsockopt",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SEND =
      handle("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle RECV =
      handle("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle CLOSE =
      handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), false);

  /** A route as the kernel lists it: {@code prefix} canonical, {@code ifindex} 0 when none. */
  public record Route(String prefix, int type, int protocol, int ifindex) {}

  /** The kernel refused a request; {@code errno} is its positive errno. */
  public static final class NetlinkException extends RuntimeException {
    private final int errno;

    NetlinkException(String message, int errno) {
      super(message + ": " + describe(errno));
      this.errno = errno;
    }

    private static String describe(int errno) {
      return switch (errno) {
        case 1 -> "EPERM (rtnetlink changes need CAP_NET_ADMIN: run the agent as root)";
        case 3 -> "ESRCH (no such route)";
        case 17 -> "EEXIST";
        case 19 -> "ENODEV (no such link: is it there?)";
        case 22 -> "EINVAL";
        case 101 -> "ENETUNREACH (the device is down or has no carrier?)";
        default -> "errno " + errno;
      };
    }

    public int errno() {
      return errno;
    }
  }

  // Freed by the GC, not by close(): a listener may still be returning from its last recv.
  private final Arena arena = Arena.ofAuto();
  private final MemorySegment buffer = arena.allocate(BUFFER, 8);
  private final MemorySegment capture = arena.allocate(CAPTURE);
  private final int fd;
  private int seq;
  private volatile boolean closed;
  private volatile boolean listening;
  private boolean fdClosed;

  private Rtnetlink(int fd) {
    this.fd = fd;
  }

  /** A request socket in the calling thread's network namespace. */
  public static Rtnetlink open() {
    return open(0, 0);
  }

  /**
   * A socket in the calling thread's network namespace subscribed to {@code groups} (a mask such as
   * {@link #RTMGRP_LINK}), its receives returning every {@code receiveTimeoutMillis} when nothing
   * arrives (0: block) so a listener can notice it was closed.
   */
  static Rtnetlink open(int groups, int receiveTimeoutMillis) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment cap = a.allocate(CAPTURE);
      int fd = (int) SOCKET.invokeExact(cap, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
      if (fd < 0) {
        throw new NetlinkException("socket(AF_NETLINK, NETLINK_ROUTE)", errno(cap));
      }
      MemorySegment addr = a.allocate(12, 4); // sockaddr_nl: family, pad, pid 0 (kernel picks)
      addr.set(JAVA_SHORT_UNALIGNED, 0, (short) AF_NETLINK);
      addr.set(JAVA_INT_UNALIGNED, 8, groups);
      if ((int) BIND.invokeExact(cap, fd, addr, 12) < 0) {
        int e = errno(cap);
        int unused = (int) CLOSE.invokeExact(fd);
        throw new NetlinkException("bind(AF_NETLINK groups=" + groups + ")", e);
      }
      if (receiveTimeoutMillis > 0) {
        MemorySegment tv = a.allocate(16, 8); // struct timeval
        tv.set(JAVA_LONG, 0, receiveTimeoutMillis / 1000);
        tv.set(JAVA_LONG, 8, (receiveTimeoutMillis % 1000) * 1000L);
        int unused = (int) SETSOCKOPT.invokeExact(cap, fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
      }
      if (groups != 0) {
        // Bursts of link events (a runtime making hundreds of links) must not overrun it.
        MemorySegment size = a.allocate(JAVA_INT);
        size.set(JAVA_INT, 0, 1 << 20);
        int unused = (int) SETSOCKOPT.invokeExact(cap, fd, SOL_SOCKET, SO_RCVBUF, size, 4);
      }
      return new Rtnetlink(fd);
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("netlink downcall failed", t);
    }
  }

  /**
   * Adds or replaces an IPv6 route in the main table: {@code ip -6 route replace PREFIX dev IFINDEX
   * proto PROTOCOL}, or with {@code unreachable} the route of type unreachable.
   *
   * @param ifindex the output device, ignored for {@code unreachable}
   */
  public synchronized void replaceRoute(
      String prefix, boolean unreachable, int ifindex, int protocol) {
    Prefix p = Prefix.parse(prefix);
    MemorySegment m = begin(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
    int at = rtmsg(m, p.length(), protocol, unreachable ? RTN_UNREACHABLE : RTN_UNICAST);
    at = attr(m, at, RTA_DST, p.address());
    at = attrInt(m, at, RTA_TABLE, RT_TABLE_MAIN);
    if (!unreachable) {
      at = attrInt(m, at, RTA_OIF, ifindex);
    }
    transact(m, at, "route replace " + prefix);
  }

  /** Deletes one of our IPv6 routes; an absent route is not an error. */
  public synchronized void deleteRoute(String prefix, int protocol) {
    Prefix p = Prefix.parse(prefix);
    MemorySegment m = begin(RTM_DELROUTE, 0);
    int at = rtmsg(m, p.length(), protocol, 0);
    at = attr(m, at, RTA_DST, p.address());
    at = attrInt(m, at, RTA_TABLE, RT_TABLE_MAIN);
    try {
      transact(m, at, "route del " + prefix);
    } catch (NetlinkException e) {
      if (e.errno() != ESRCH) {
        throw e;
      }
    }
  }

  /** The main table's IPv6 routes of {@code protocol}. */
  public synchronized List<Route> routes(int protocol) {
    MemorySegment m = begin(RTM_GETROUTE, NLM_F_DUMP);
    int at = rtmsg(m, 0, 0, 0);
    List<Route> out = new ArrayList<>();
    dump(
        m,
        at,
        "route dump",
        (type, msg, len) -> {
          if (type != RTM_NEWROUTE || len < HDR + 12) {
            return;
          }
          int dstLen = msg.get(JAVA_BYTE, HDR + 1) & 0xff;
          int table = msg.get(JAVA_BYTE, HDR + 4) & 0xff;
          int proto = msg.get(JAVA_BYTE, HDR + 5) & 0xff;
          int rtype = msg.get(JAVA_BYTE, HDR + 7) & 0xff;
          if (proto != protocol || msg.get(JAVA_BYTE, HDR) != AF_INET6) {
            return;
          }
          byte[] dst = new byte[16];
          int oif = 0;
          for (int a = HDR + 12; a + 4 <= len; ) {
            int alen = msg.get(JAVA_SHORT_UNALIGNED, a) & 0xffff;
            int atype = msg.get(JAVA_SHORT_UNALIGNED, a + 2) & 0x3fff;
            if (alen < 4) {
              break;
            }
            if (atype == RTA_DST && alen >= 20) {
              MemorySegment.copy(msg, JAVA_BYTE, a + 4, dst, 0, 16);
            } else if (atype == RTA_OIF && alen >= 8) {
              oif = msg.get(JAVA_INT_UNALIGNED, a + 4);
            } else if (atype == RTA_TABLE && alen >= 8) {
              table = msg.get(JAVA_INT_UNALIGNED, a + 4);
            }
            a += align(alen);
          }
          if (table != RT_TABLE_MAIN) {
            return;
          }
          out.add(new Route(Prefix.canonical(dst, dstLen), rtype, proto, oif));
        });
    return out;
  }

  /**
   * Adds or replaces an IPv6 address on a link: {@code ip -6 addr replace ADDRESS/LEN dev IFINDEX
   * [nodad]}.
   */
  public synchronized void replaceAddress(int ifindex, String addressWithLength, boolean nodad) {
    Prefix p = Prefix.parse(addressWithLength);
    MemorySegment m = begin(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
    m.set(JAVA_BYTE, HDR, (byte) AF_INET6);
    m.set(JAVA_BYTE, HDR + 1, (byte) p.length());
    m.set(JAVA_BYTE, HDR + 2, (byte) (nodad ? IFA_F_NODAD : 0));
    m.set(
        JAVA_BYTE,
        HDR + 3,
        (byte) ((p.address()[0] & 0xff) == 0xfe ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE));
    m.set(JAVA_INT_UNALIGNED, HDR + 4, ifindex);
    int at = HDR + 8;
    at = attr(m, at, IFA_LOCAL, p.address());
    at = attr(m, at, IFA_ADDRESS, p.address());
    at = attrInt(m, at, IFA_FLAGS, nodad ? IFA_F_NODAD : 0);
    transact(m, at, "addr replace " + addressWithLength + " ifindex " + ifindex);
  }

  /**
   * What a subscribed socket hears of a link: whether it is there ({@code RTM_NEWLINK}: created,
   * renamed or changed state) or gone ({@code RTM_DELLINK}), its ifindex and its name ({@code
   * IFLA_IFNAME}, null if the message has none).
   */
  interface LinkEvent {
    void on(boolean present, int ifindex, String name);
  }

  /**
   * Reads subscribed messages until {@link #close()}: each {@code RTM_NEWLINK}/{@code RTM_DELLINK}
   * is passed on; {@code overrun} runs when the kernel dropped messages (ENOBUFS), meaning the
   * listener must assume anything changed.
   */
  void listen(LinkEvent event, Runnable overrun) {
    listening = true;
    try {
      listenUntilClosed(event, overrun);
    } finally {
      closeFd(); // here, not in close(): the fd must not be reused while a recv may still use it
    }
  }

  private void listenUntilClosed(LinkEvent event, Runnable overrun) {
    while (!closed) {
      long n = receive();
      if (n == -EAGAIN) {
        continue;
      }
      if (n == -ENOBUFS) {
        overrun.run();
        continue;
      }
      if (n <= 0) {
        if (closed) {
          return;
        }
        throw new NetlinkException("recv on the link subscription", (int) -n);
      }
      forEachMessage(
          buffer,
          (int) n,
          (type, msg, len) -> {
            if ((type == RTM_NEWLINK || type == RTM_DELLINK) && len >= HDR + 16) {
              event.on(
                  type == RTM_NEWLINK, msg.get(JAVA_INT_UNALIGNED, HDR + 4), linkName(msg, len));
            }
          });
    }
  }

  /** The IFLA_IFNAME attribute of an ifinfomsg message (16 bytes after the header), or null. */
  private static String linkName(MemorySegment msg, int len) {
    for (int a = HDR + 16; a + 4 <= len; ) {
      int alen = msg.get(JAVA_SHORT_UNALIGNED, a) & 0xffff;
      int atype = msg.get(JAVA_SHORT_UNALIGNED, a + 2) & 0x3fff;
      if (alen < 4 || a + alen > len) {
        return null;
      }
      if (atype == IFLA_IFNAME && alen > 4) {
        byte[] name = new byte[alen - 4];
        MemorySegment.copy(msg, JAVA_BYTE, a + 4, name, 0, name.length);
        int end = 0;
        while (end < name.length && name[end] != 0) {
          end++;
        }
        return new String(name, 0, end, java.nio.charset.StandardCharsets.US_ASCII);
      }
      a += align(alen);
    }
    return null;
  }

  /** Closes the socket; a listener's socket is closed by the listener within its timeout. */
  @Override
  public void close() {
    closed = true;
    if (!listening) {
      closeFd();
    }
  }

  private synchronized void closeFd() {
    if (fdClosed) {
      return;
    }
    fdClosed = true;
    try {
      int unused = (int) CLOSE.invokeExact(fd);
    } catch (Throwable t) {
      throw new IllegalStateException("close downcall failed", t);
    }
  }

  // ---- messages

  private interface Message {
    void on(short type, MemorySegment message, int length);
  }

  private MemorySegment begin(short type, int flags) {
    MemorySegment m = buffer.asSlice(0, 512);
    m.fill((byte) 0);
    m.set(JAVA_SHORT_UNALIGNED, 4, type);
    m.set(JAVA_SHORT_UNALIGNED, 6, (short) (NLM_F_REQUEST | NLM_F_ACK | flags));
    m.set(JAVA_INT_UNALIGNED, 8, ++seq);
    return m;
  }

  private static int rtmsg(MemorySegment m, int dstLen, int protocol, int type) {
    m.set(JAVA_BYTE, HDR, (byte) AF_INET6);
    m.set(JAVA_BYTE, HDR + 1, (byte) dstLen);
    m.set(JAVA_BYTE, HDR + 4, (byte) RT_TABLE_MAIN);
    m.set(JAVA_BYTE, HDR + 5, (byte) protocol);
    m.set(JAVA_BYTE, HDR + 6, (byte) RT_SCOPE_UNIVERSE);
    m.set(JAVA_BYTE, HDR + 7, (byte) type);
    return HDR + 12;
  }

  private static int attr(MemorySegment m, int at, short type, byte[] value) {
    m.set(JAVA_SHORT_UNALIGNED, at, (short) (4 + value.length));
    m.set(JAVA_SHORT_UNALIGNED, at + 2, type);
    MemorySegment.copy(value, 0, m, JAVA_BYTE, at + 4, value.length);
    return at + align(4 + value.length);
  }

  private static int attrInt(MemorySegment m, int at, short type, int value) {
    m.set(JAVA_SHORT_UNALIGNED, at, (short) 8);
    m.set(JAVA_SHORT_UNALIGNED, at + 2, type);
    m.set(JAVA_INT_UNALIGNED, at + 4, value);
    return at + 8;
  }

  private static int align(int n) {
    return (n + 3) & ~3;
  }

  /** Sends a request and waits for its ACK. */
  private void transact(MemorySegment m, int length, String what) {
    send(m, length, what);
    int want = seq;
    while (true) {
      long n = receive();
      if (n < 0) {
        throw new NetlinkException(what + ": recv", (int) -n);
      }
      int[] result = {Integer.MIN_VALUE};
      forEachMessage(
          buffer,
          (int) n,
          (type, msg, len) -> {
            if (type == NLMSG_ERROR && msg.get(JAVA_INT_UNALIGNED, 8) == want) {
              result[0] = -msg.get(JAVA_INT_UNALIGNED, HDR);
            }
          });
      if (result[0] == 0) {
        return;
      }
      if (result[0] != Integer.MIN_VALUE) {
        throw new NetlinkException(what, result[0]);
      }
    }
  }

  /** Sends a dump request and passes every message of the answer until NLMSG_DONE. */
  private void dump(MemorySegment m, int length, String what, Message each) {
    send(m, length, what);
    int want = seq;
    boolean[] done = {false};
    int[] error = {0};
    while (!done[0]) {
      long n = receive();
      if (n < 0) {
        throw new NetlinkException(what + ": recv", (int) -n);
      }
      forEachMessage(
          buffer,
          (int) n,
          (type, msg, len) -> {
            if (msg.get(JAVA_INT_UNALIGNED, 8) != want) {
              return;
            }
            if (type == NLMSG_DONE) {
              done[0] = true;
            } else if (type == NLMSG_ERROR) {
              error[0] = -msg.get(JAVA_INT_UNALIGNED, HDR);
              done[0] = true;
            } else {
              each.on(type, msg, len);
            }
          });
    }
    if (error[0] != 0) {
      throw new NetlinkException(what, error[0]);
    }
  }

  private static void forEachMessage(MemorySegment buf, int length, Message each) {
    for (int at = 0; at + HDR <= length; ) {
      int len = buf.get(JAVA_INT_UNALIGNED, at);
      if (len < HDR || at + len > length) {
        return;
      }
      each.on(buf.get(JAVA_SHORT_UNALIGNED, at + 4), buf.asSlice(at, len), len);
      at += align(len);
    }
  }

  private void send(MemorySegment m, int length, String what) {
    m.set(JAVA_INT_UNALIGNED, 0, length);
    try {
      long r = (long) SEND.invokeExact(capture, fd, m, (long) length, 0);
      if (r < 0) {
        throw new NetlinkException(what + ": send", errno(capture));
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("send downcall failed", t);
    }
  }

  /** One recv into the buffer: its length, or {@code -errno}. */
  private long receive() {
    try {
      long r = (long) RECV.invokeExact(capture, fd, buffer, (long) BUFFER, 0);
      return r >= 0 ? r : -errno(capture);
    } catch (Throwable t) {
      throw new IllegalStateException("recv downcall failed", t);
    }
  }

  private static int errno(MemorySegment capture) {
    return (int) ERRNO.get(capture, 0L);
  }

  private static MethodHandle handle(String name, FunctionDescriptor fd) {
    return handle(name, fd, true);
  }

  // Restricted (native access): the JVM runs with --enable-native-access=ALL-UNNAMED.
  @SuppressWarnings("restricted")
  private static MethodHandle handle(String name, FunctionDescriptor fd, boolean errno) {
    Linker l = Linker.nativeLinker();
    MemorySegment symbol = l.defaultLookup().find(name).orElseThrow();
    return errno
        ? l.downcallHandle(symbol, fd, Linker.Option.captureCallState("errno"))
        : l.downcallHandle(symbol, fd);
  }

  /** An IPv6 prefix as rtnetlink carries it. */
  record Prefix(byte[] address, int length) {
    static Prefix parse(String text) {
      int slash = text.indexOf('/');
      String addr = slash < 0 ? text : text.substring(0, slash);
      int len = slash < 0 ? 128 : Integer.parseInt(text.substring(slash + 1));
      if (len < 0 || len > 128 || addr.indexOf(':') < 0) {
        throw new IllegalArgumentException("not an IPv6 prefix: " + text);
      }
      try {
        return new Prefix(InetAddress.ofLiteral(addr).getAddress(), len);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("not an IPv6 prefix: " + text, e);
      }
    }

    static String canonical(byte[] address, int length) {
      try {
        return Prefixes.canonical(
            InetAddress.getByAddress(address).getHostAddress() + "/" + length);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("bad address length " + address.length, e);
      }
    }
  }
}
