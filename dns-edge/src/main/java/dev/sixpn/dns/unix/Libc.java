package dev.sixpn.dns.unix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The socket calls of libc the UDP transport makes, through the FFM API, each capturing errno.
 * Constants are Linux's (asm-generic values, the same on x86-64 and arm64).
 *
 * <p>Every handle takes the errno-capture segment first; callers own it, so a receive loop calls
 * recvmmsg(2) and sendmmsg(2) without allocating.
 */
final class Libc {

  static final int AF_INET = 2;
  static final int AF_INET6 = 10;
  static final int SOCK_DGRAM = 2;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int SOL_SOCKET = 1;
  static final int SO_SNDBUF = 7;
  static final int SO_RCVBUF = 8;
  static final int SO_REUSEPORT = 15;
  static final int MSG_TRUNC = 0x20;
  static final int MSG_WAITFORONE = 0x10000;
  static final int SHUT_RDWR = 2;

  static final int EINTR = 4;
  static final int EAGAIN = 11;

  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  static final MethodHandle SOCKET = handle("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
  static final MethodHandle SETSOCKOPT =
      handle("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
  static final MethodHandle BIND = handle("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
  static final MethodHandle GETSOCKNAME =
      handle("getsockname", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
  static final MethodHandle RECVMMSG =
      handle("recvmmsg", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
  static final MethodHandle SENDMMSG =
      handle("sendmmsg", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
  static final MethodHandle SENDTO =
      handle("sendto", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
  static final MethodHandle SHUTDOWN = handle("shutdown", JAVA_INT, JAVA_INT, JAVA_INT);
  static final MethodHandle CLOSE = handle("close", JAVA_INT, JAVA_INT);

  private Libc() {}

  // Restricted (native access): the JVM runs with --enable-native-access=ALL-UNNAMED.
  @SuppressWarnings("restricted")
  private static MethodHandle handle(String name, MemoryLayout result, MemoryLayout... args) {
    Linker linker = Linker.nativeLinker();
    MemorySegment symbol =
        linker
            .defaultLookup()
            .find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return linker.downcallHandle(
        symbol, FunctionDescriptor.of(result, args), Linker.Option.captureCallState("errno"));
  }

  /** A segment to receive errno; one per thread. */
  static MemorySegment errnoCapture(Arena arena) {
    return arena.allocate(CAPTURE);
  }

  static int errno(MemorySegment capture) {
    return (int) ERRNO.get(capture, 0L);
  }

  /** Wraps a {@link Throwable} from {@code invokeExact}: the signatures above cannot throw. */
  static IllegalStateException downcallFailed(String call, Throwable t) {
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(call + " downcall failed", t);
  }
}
