package dev.sixpn.dataplane.bpf;

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
import java.nio.charset.StandardCharsets;

/**
 * The bpf(2) commands the dataplane needs, through the FFM API: {@code syscall(321, cmd, attr,
 * size)} on x86-64 (there is no libc wrapper). {@code union bpf_attr} offsets are from
 * include/uapi/linux/bpf.h; each command uses only its own leading fields, the rest stay zero (the
 * kernel rejects non-zero bytes past the struct it knows).
 *
 * <p>Callers own the {@code attr} and errno-capture segments so hot paths allocate nothing.
 */
public final class Bpf {

  /**
   * __NR_bpf: 321 on x86-64 (arch/x86/entry/syscalls/syscall_64.tbl), 280 on arm64
   * (include/uapi/asm-generic/unistd.h).
   */
  static final long SYS_BPF =
      switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 321;
        case "aarch64" -> 280;
        default ->
            throw new ExceptionInInitializerError(
                "bpf(2) syscall number unknown for os.arch="
                    + System.getProperty("os.arch")
                    + ": add it to Bpf.SYS_BPF");
      };

  public static final int BPF_MAP_LOOKUP_ELEM = 1;
  public static final int BPF_MAP_UPDATE_ELEM = 2;
  public static final int BPF_MAP_DELETE_ELEM = 3;
  public static final int BPF_MAP_GET_NEXT_KEY = 4;
  public static final int BPF_OBJ_GET = 7;
  public static final int BPF_PROG_TEST_RUN = 10;
  public static final int BPF_OBJ_GET_INFO_BY_FD = 15;
  public static final int BPF_MAP_LOOKUP_BATCH = 24;

  /**
   * Size of the batch part of bpf_attr: in_batch, out_batch, keys, values, count, map_fd,
   * elem_flags, flags.
   */
  public static final int BATCH_ATTR_SIZE = 56;

  public static final long BPF_ANY = 0;

  /** Size of the map-element part of bpf_attr: map_fd, key, value/next_key, flags. */
  public static final int ELEM_ATTR_SIZE = 32;

  public static final long ATTR_MAP_FD = 0;
  public static final long ATTR_KEY = 8;
  public static final long ATTR_VALUE = 16;
  public static final long ATTR_FLAGS = 24;

  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  private static final MethodHandle SYSCALL = syscallHandle();
  private static final MethodHandle CLOSE = closeHandle();

  // Restricted (native access): the JVM runs with --enable-native-access=ALL-UNNAMED.
  @SuppressWarnings("restricted")
  private static MethodHandle syscallHandle() {
    Linker linker = Linker.nativeLinker();
    return linker.downcallHandle(
        linker.defaultLookup().find("syscall").orElseThrow(),
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG),
        Linker.Option.firstVariadicArg(1),
        Linker.Option.captureCallState("errno"));
  }

  @SuppressWarnings("restricted")
  private static MethodHandle closeHandle() {
    Linker linker = Linker.nativeLinker();
    return linker.downcallHandle(
        linker.defaultLookup().find("close").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  }

  private Bpf() {}

  /** A segment to receive errno; one per thread or per lock holder. */
  public static MemorySegment allocateErrnoCapture(Arena arena) {
    return arena.allocate(CAPTURE);
  }

  /**
   * Runs one command.
   *
   * @return the syscall's non-negative result, or {@code -errno}
   */
  public static long call(int cmd, MemorySegment attr, int size, MemorySegment capture) {
    try {
      long r = (long) SYSCALL.invokeExact(capture, SYS_BPF, (long) cmd, attr, (long) size);
      return r >= 0 ? r : -(int) ERRNO.get(capture, 0L);
    } catch (Throwable t) {
      throw new IllegalStateException("bpf(2) downcall failed", t);
    }
  }

  /** Opens a pinned object (map or program), returning its fd. */
  public static int objGet(String path) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment attr = arena.allocate(16, 8);
      attr.set(JAVA_LONG, 0, arena.allocateFrom(path, StandardCharsets.UTF_8).address());
      long r = call(BPF_OBJ_GET, attr, 16, allocateErrnoCapture(arena));
      if (r < 0) {
        int errno = (int) -r;
        String hint =
            errno == Errno.ENOENT
                ? "nothing pinned at "
                    + path
                    + " (is bpffs mounted? mount -t bpf bpf /sys/fs/bpf; the dataplane pins its maps"
                    + " when it starts)"
                : Errno.genericHint(errno);
        throw new BpfException("BPF_OBJ_GET " + path, errno, hint);
      }
      return (int) r;
    }
  }

  /** Reads {@code struct bpf_map_info} of a map fd. */
  public static MapInfo mapInfo(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment info = arena.allocate(MapInfo.LAYOUT);
      MemorySegment attr = arena.allocate(16, 8);
      attr.set(JAVA_INT, 0, fd);
      attr.set(JAVA_INT, 4, (int) info.byteSize());
      attr.set(JAVA_LONG, 8, info.address());
      long r = call(BPF_OBJ_GET_INFO_BY_FD, attr, 16, allocateErrnoCapture(arena));
      if (r < 0) {
        throw new BpfException("BPF_OBJ_GET_INFO_BY_FD", (int) -r, Errno.genericHint((int) -r));
      }
      return MapInfo.read(info);
    }
  }

  /**
   * The verdict and output packet of a BPF_PROG_TEST_RUN.
   *
   * @param nanosPerRun the kernel's average duration of one run (meaningful with repeat > 1)
   */
  public record TestRun(int retval, byte[] packet, int nanosPerRun) {}

  /**
   * Runs a loaded program once on {@code packet} (BPF_PROG_TEST_RUN; tc programs get an skb on the
   * loopback device, so {@code skb->ifindex} is 1). Lets tests check verdicts and rewrites of the
   * real programs without building a topology.
   */
  public static TestRun testRun(int progFd, byte[] packet) {
    return testRun(progFd, packet, 1);
  }

  /** Runs the program {@code repeat} times on the same input (a per-packet cost measurement). */
  public static TestRun testRun(int progFd, byte[] packet, int repeat) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment in = arena.allocate(packet.length);
      MemorySegment.copy(packet, 0, in, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, packet.length);
      MemorySegment out = arena.allocate(packet.length + 256L);
      MemorySegment attr = arena.allocate(80, 8);
      attr.set(JAVA_INT, 0, progFd);
      attr.set(JAVA_INT, 8, packet.length);
      attr.set(JAVA_INT, 12, (int) out.byteSize());
      attr.set(JAVA_LONG, 16, in.address());
      attr.set(JAVA_LONG, 24, out.address());
      attr.set(JAVA_INT, 32, repeat);
      long r = call(BPF_PROG_TEST_RUN, attr, 80, allocateErrnoCapture(arena));
      if (r < 0) {
        throw new BpfException("BPF_PROG_TEST_RUN", (int) -r, Errno.genericHint((int) -r));
      }
      int outLen = attr.get(JAVA_INT, 12);
      return new TestRun(
          attr.get(JAVA_INT, 4),
          out.asSlice(0, outLen).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
          attr.get(JAVA_INT, 36));
    }
  }

  public static void close(int fd) {
    try {
      int unused = (int) CLOSE.invokeExact(fd);
    } catch (Throwable t) {
      throw new IllegalStateException("close(2) downcall failed", t);
    }
  }
}
