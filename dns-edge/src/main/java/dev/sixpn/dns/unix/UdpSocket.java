package dev.sixpn.dns.unix;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A bound UDP socket driven by plain syscalls: recvmmsg(2) blocking until at least one datagram
 * arrives, sendmmsg(2) for a batch of answers, sendto(2) for one from any thread.
 *
 * <p>Why not a selector: a thread that blocks in recvmmsg is woken by the socket itself, so each
 * wake-up costs two syscalls (receive, send) instead of three or four (epoll_wait, receive, send,
 * and Netty's getsockopt per read) — on a lightly loaded server that is most of the CPU per query.
 *
 * <p>Threads: one thread receives and sends batches; {@link #sendTo} may be called from any thread;
 * {@link #shutdown} wakes the receiving thread, which must return before {@link #close}.
 */
public final class UdpSocket implements AutoCloseable {

  private final int fd;
  private final InetSocketAddress local;
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed;

  /** Set before shutdown(2): what a woken receive reads then is not a datagram. */
  private volatile boolean shutDown;

  private UdpSocket(int fd, InetSocketAddress local) {
    this.fd = fd;
    this.local = local;
  }

  /**
   * Opens a UDP socket of {@code address}'s family (an IPv4 address gets an IPv4 socket) and binds
   * it.
   *
   * @param reusePort SO_REUSEPORT, so that several sockets (one per receiving thread) share the
   *     address and the kernel spreads datagrams over them
   * @param bufferBytes SO_RCVBUF and SO_SNDBUF (the kernel doubles and caps them)
   * @throws UnixException naming the address and the errno if a call fails (nothing stays open)
   */
  public static UdpSocket bind(InetSocketAddress address, boolean reusePort, int bufferBytes)
      throws UnixException {
    Objects.requireNonNull(address, "address");
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("address must be resolved, got " + address);
    }
    int family = address.getAddress() instanceof Inet4Address ? Libc.AF_INET : Libc.AF_INET6;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = Libc.errnoCapture(arena);
      int fd =
          (int) Libc.SOCKET.invokeExact(capture, family, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw new UnixException("socket(" + address + ")", Libc.errno(capture));
      }
      try {
        MemorySegment value = arena.allocate(JAVA_INT);
        if (reusePort) {
          setInt(fd, Libc.SO_REUSEPORT, 1, value, capture, address);
        }
        setInt(fd, Libc.SO_RCVBUF, bufferBytes, value, capture, address);
        setInt(fd, Libc.SO_SNDBUF, bufferBytes, value, capture, address);
        MemorySegment sa = arena.allocate(Sockaddr.MAX_BYTES, 8);
        int len = Sockaddr.write(sa, 0, address);
        if ((int) Libc.BIND.invokeExact(capture, fd, sa, len) != 0) {
          throw new UnixException("bind(" + address + ")", Libc.errno(capture));
        }
        MemorySegment lenOut = arena.allocate(JAVA_INT);
        lenOut.set(JAVA_INT, 0, Sockaddr.MAX_BYTES);
        if ((int) Libc.GETSOCKNAME.invokeExact(capture, fd, sa, lenOut) != 0) {
          throw new UnixException("getsockname(" + address + ")", Libc.errno(capture));
        }
        InetSocketAddress bound = new InetSocketAddress(address.getAddress(), Sockaddr.port(sa, 0));
        return new UdpSocket(fd, bound);
      } catch (UnixException | RuntimeException e) {
        closeFd(fd);
        throw e;
      }
    } catch (UnixException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw Libc.downcallFailed("socket setup", t);
    }
  }

  private static void setInt(
      int fd, int option, int v, MemorySegment value, MemorySegment capture, InetSocketAddress a)
      throws Throwable {
    value.set(JAVA_INT, 0, v);
    if ((int) Libc.SETSOCKOPT.invokeExact(capture, fd, Libc.SOL_SOCKET, option, value, 4) != 0) {
      throw new UnixException(
          "setsockopt(" + a + ", SOL_SOCKET, " + option + ")", Libc.errno(capture));
    }
  }

  /** The bound address (with the kernel's port if 0 was asked for). */
  public InetSocketAddress localAddress() {
    return local;
  }

  /**
   * Blocks until at least one datagram arrives, then takes as many as are queued, up to the
   * vector's capacity (recvmmsg with MSG_WAITFORONE).
   *
   * @return datagrams received (their length, sender and data are in {@code into}); 0 if the call
   *     was interrupted by a signal or the socket was shut down, -errno on another failure
   */
  public int receive(DatagramVector into, MemorySegment capture) {
    into.rearm(into.capacity());
    int n;
    try {
      n =
          (int)
              Libc.RECVMMSG.invokeExact(
                  capture,
                  fd,
                  into.headers(),
                  into.capacity(),
                  Libc.MSG_WAITFORONE,
                  MemorySegment.NULL);
    } catch (Throwable t) {
      throw Libc.downcallFailed("recvmmsg", t);
    }
    if (shutDown) {
      return 0; // after shutdown(2), recvmmsg reports one empty "datagram"
    }
    if (n >= 0) {
      return n;
    }
    int errno = Libc.errno(capture);
    return errno == Libc.EINTR || errno == Libc.EAGAIN ? 0 : -errno;
  }

  /**
   * Sends every queued message of {@code from} (sendmmsg), then clears it. A message the kernel
   * refuses is skipped, like a datagram lost on the way.
   *
   * @return messages the kernel refused
   */
  public int send(DatagramVector from, MemorySegment capture) {
    int total = from.count();
    int sent = 0;
    int refused = 0;
    try {
      while (sent < total) {
        MemorySegment rest = from.headers().asSlice(DatagramVector.MMSGHDR_BYTES * sent);
        int n = (int) Libc.SENDMMSG.invokeExact(capture, fd, rest, total - sent, 0);
        if (n > 0) {
          sent += n;
        } else if (Libc.errno(capture) != Libc.EINTR) {
          sent++; // the first message failed: skip it, send the rest
          refused++;
        }
      }
    } catch (Throwable t) {
      throw Libc.downcallFailed("sendmmsg", t);
    } finally {
      from.clear();
    }
    return refused;
  }

  /**
   * Sends one datagram now, from any thread.
   *
   * @return false if the socket is closed or the kernel refused it
   */
  public boolean sendTo(byte[] wire, InetSocketAddress to) {
    lifecycle.readLock().lock();
    try (Arena arena = Arena.ofConfined()) {
      if (closed) {
        return false;
      }
      MemorySegment capture = Libc.errnoCapture(arena);
      MemorySegment buf = arena.allocate(Math.max(1, wire.length));
      MemorySegment.copy(wire, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, wire.length);
      MemorySegment sa = arena.allocate(Sockaddr.MAX_BYTES, 8);
      int len = Sockaddr.write(sa, 0, to);
      long n = (long) Libc.SENDTO.invokeExact(capture, fd, buf, (long) wire.length, 0, sa, len);
      return n >= 0;
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw Libc.downcallFailed("sendto", t);
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /**
   * Wakes a thread blocked in {@link #receive}: it returns 0 at once, now and on every later call.
   * Linux answers ENOTCONN for an unconnected UDP socket but marks it shut down and wakes its
   * readers all the same (net/ipv4/af_inet.c, inet_shutdown).
   */
  public void shutdown() {
    shutDown = true;
    try (Arena arena = Arena.ofConfined()) {
      int ignored = (int) Libc.SHUTDOWN.invokeExact(Libc.errnoCapture(arena), fd, Libc.SHUT_RDWR);
    } catch (Throwable t) {
      throw Libc.downcallFailed("shutdown", t);
    }
  }

  /**
   * Closes the descriptor; safe to call twice. The receiving thread must have returned: closing an
   * fd does not wake a thread blocked on it, and the number could be reused under it.
   */
  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      closeFd(fd);
    } finally {
      lifecycle.writeLock().unlock();
    }
  }

  private static void closeFd(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      int ignored = (int) Libc.CLOSE.invokeExact(Libc.errnoCapture(arena), fd);
    } catch (Throwable t) {
      throw Libc.downcallFailed("close", t);
    }
  }

  /**
   * True if the socket calls can be linked here: Linux (the constants are Linux's) and a libc with
   * recvmmsg and sendmmsg.
   */
  public static boolean isAvailable() {
    if (!System.getProperty("os.name", "").equals("Linux")) {
      return false;
    }
    try {
      return Libc.RECVMMSG != null;
    } catch (LinkageError e) {
      return false;
    }
  }

  /**
   * Allocates an errno-capture segment for the thread that calls {@link #receive}/{@link #send}.
   */
  public static MemorySegment errnoCapture(Arena arena) {
    return Libc.errnoCapture(arena);
  }

  @Override
  public String toString() {
    return "udp " + local + " fd " + fd;
  }
}
