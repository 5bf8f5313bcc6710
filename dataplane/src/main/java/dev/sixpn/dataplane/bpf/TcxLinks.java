package dev.sixpn.dataplane.bpf;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * tcx attachments (kernel 6.6+) through bpf(2): BPF_LINK_CREATE with {@code BPF_TCX_INGRESS}, read
 * back with BPF_LINK_GET_NEXT_ID / BPF_OBJ_GET_INFO_BY_FD, replaced atomically with
 * BPF_LINK_UPDATE, removed with BPF_LINK_DETACH. No tc process, and the kernel is the record of
 * what is attached: a link survives only while something holds it, so the dataplane pins each one
 * in bpffs, and an agent that is away leaves its programs running.
 *
 * <p>Links co-exist with other tcx users (Cilium, other agents): each program is one entry in the
 * interface's chain, appended last, and a program that has nothing to say returns TCX_NEXT.
 *
 * <p>{@code union bpf_attr} and {@code struct bpf_link_info} offsets are from
 * include/uapi/linux/bpf.h of Linux 6.6 (the headers of Debian 12 predate tcx, so the two constants
 * are spelled out here; {@code TcxLinksTest} checks them against the running kernel).
 */
public final class TcxLinks {

  public static final int BPF_LINK_CREATE = 28;
  public static final int BPF_LINK_UPDATE = 29;
  public static final int BPF_LINK_GET_FD_BY_ID = 30;
  public static final int BPF_LINK_GET_NEXT_ID = 31;
  public static final int BPF_LINK_DETACH = 34;
  public static final int BPF_OBJ_PIN = 6;
  public static final int BPF_PROG_QUERY = 16;

  /** enum bpf_attach_type: BPF_TCX_INGRESS. */
  public static final int BPF_TCX_INGRESS = 46;

  /** enum bpf_link_type: BPF_LINK_TYPE_TCX. */
  public static final int BPF_LINK_TYPE_TCX = 11;

  /** sizeof(union bpf_attr) parts used: link_create with its tcx member is 32 bytes. */
  private static final int ATTR_SIZE = 32;

  /** struct bpf_link_info is 48 bytes in 6.1; the kernel fills min(ours, its own). */
  private static final int LINK_INFO_SIZE = 48;

  /**
   * The query member of union bpf_attr through {@code revision} (6.6): target_ifindex 0,
   * attach_type 4, query_flags 8, attach_flags 12, prog_ids 16, count 24, prog_attach_flags 32,
   * link_ids 40, link_attach_flags 48, revision 56.
   */
  private static final int QUERY_ATTR_SIZE = 64;

  /** Programs one query asks for first; a longer chain is asked again with its real length. */
  private static final int QUERY_CAPACITY = 8;

  private static final int ENODEV = 19;
  private static final int ENOSPC = 28;

  /** struct bpf_prog_info: only {@code type, id} (the first 8 bytes) are read. */
  private static final int PROG_INFO_SIZE = 8;

  private TcxLinks() {}

  /**
   * One tcx link as the kernel reports it.
   *
   * @param ifindex the interface it is attached to, 0 once the interface is gone or the link was
   *     detached
   */
  public record Link(int id, int progId, int ifindex, int attachType) {}

  /** Creates a tcx ingress link of {@code progFd} on {@code ifindex}; returns the link's fd. */
  public static int attachIngress(int progFd, int ifindex) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
      attr.set(JAVA_INT, 0, progFd);
      attr.set(JAVA_INT, 4, ifindex);
      attr.set(JAVA_INT, 8, BPF_TCX_INGRESS);
      long r = Bpf.call(BPF_LINK_CREATE, attr, ATTR_SIZE, Bpf.allocateErrnoCapture(arena));
      if (r < 0) {
        int errno = (int) -r;
        throw new BpfException(
            "BPF_LINK_CREATE tcx ingress ifindex " + ifindex,
            errno,
            errno == Errno.EINVAL
                ? "tcx needs Linux 6.6 or newer and a sched_cls program"
                : errno == Errno.ENOENT || errno == 19
                    ? "the interface is gone"
                    : Errno.genericHint(errno));
      }
      return (int) r;
    }
  }

  /** Replaces the program of a link in place (no moment without a program). */
  public static void update(int linkFd, int newProgFd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment attr = arena.allocate(16, 8);
      attr.set(JAVA_INT, 0, linkFd);
      attr.set(JAVA_INT, 4, newProgFd);
      long r = Bpf.call(BPF_LINK_UPDATE, attr, 16, Bpf.allocateErrnoCapture(arena));
      if (r < 0) {
        throw new BpfException("BPF_LINK_UPDATE", (int) -r, Errno.genericHint((int) -r));
      }
    }
  }

  /** Detaches a link from its interface; a link already detached is not an error. */
  public static void detach(int linkFd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment attr = arena.allocate(8, 8);
      attr.set(JAVA_INT, 0, linkFd);
      long r = Bpf.call(BPF_LINK_DETACH, attr, 8, Bpf.allocateErrnoCapture(arena));
      if (r < 0 && -r != Errno.ENOENT && -r != Errno.EINVAL) {
        throw new BpfException("BPF_LINK_DETACH", (int) -r, Errno.genericHint((int) -r));
      }
    }
  }

  /** Pins an object fd at {@code path} in bpffs (the path must not exist). */
  public static void pin(int fd, String path) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment attr = arena.allocate(16, 8);
      attr.set(JAVA_LONG, 0, arena.allocateFrom(path, StandardCharsets.UTF_8).address());
      attr.set(JAVA_INT, 8, fd);
      long r = Bpf.call(BPF_OBJ_PIN, attr, 16, Bpf.allocateErrnoCapture(arena));
      if (r < 0) {
        throw new BpfException("BPF_OBJ_PIN " + path, (int) -r, Errno.genericHint((int) -r));
      }
    }
  }

  /** The id of a program fd (BPF_OBJ_GET_INFO_BY_FD, {@code bpf_prog_info.id}). */
  public static int programId(int progFd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment info = arena.allocate(PROG_INFO_SIZE, 8);
      objInfo(arena, progFd, info);
      return info.get(JAVA_INT, 4);
    }
  }

  /** What the kernel says of a link fd. */
  public static Link info(int linkFd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment info = arena.allocate(LINK_INFO_SIZE, 8);
      objInfo(arena, linkFd, info);
      int type = info.get(JAVA_INT, 0);
      if (type != BPF_LINK_TYPE_TCX) {
        return null;
      }
      return new Link(
          info.get(JAVA_INT, 4),
          info.get(JAVA_INT, 8),
          info.get(JAVA_INT, 16),
          info.get(JAVA_INT, 20));
    }
  }

  private static void objInfo(Arena arena, int fd, MemorySegment info) {
    MemorySegment attr = arena.allocate(16, 8);
    attr.set(JAVA_INT, 0, fd);
    attr.set(JAVA_INT, 4, (int) info.byteSize());
    attr.set(JAVA_LONG, 8, info.address());
    long r = Bpf.call(Bpf.BPF_OBJ_GET_INFO_BY_FD, attr, 16, Bpf.allocateErrnoCapture(arena));
    if (r < 0) {
      throw new BpfException("BPF_OBJ_GET_INFO_BY_FD", (int) -r, Errno.genericHint((int) -r));
    }
  }

  /**
   * One program in an interface's tcx chain.
   *
   * @param linkId the link holding it, 0 for a program attached without a link
   */
  public record Attached(int progId, int linkId) {}

  /**
   * The tcx ingress chain of {@code ifindex} in the calling thread's network namespace, in order:
   * one BPF_PROG_QUERY, so a pass reads what the kernel runs on every interface without walking
   * every link of the machine. An interface that is gone has an empty chain.
   */
  public static List<Attached> queryIngress(int ifindex) {
    int capacity = QUERY_CAPACITY;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = Bpf.allocateErrnoCapture(arena);
      MemorySegment attr = arena.allocate(QUERY_ATTR_SIZE, 8);
      while (true) {
        MemorySegment progs = arena.allocate(JAVA_INT, capacity);
        MemorySegment links = arena.allocate(JAVA_INT, capacity);
        attr.fill((byte) 0);
        attr.set(JAVA_INT, 0, ifindex);
        attr.set(JAVA_INT, 4, BPF_TCX_INGRESS);
        attr.set(JAVA_LONG, 16, progs.address());
        attr.set(JAVA_INT, 24, capacity);
        attr.set(JAVA_LONG, 40, links.address());
        long r = Bpf.call(BPF_PROG_QUERY, attr, QUERY_ATTR_SIZE, capture);
        int count = attr.get(JAVA_INT, 24);
        if (r == -ENOSPC && count > capacity) {
          capacity = count; // the chain grew past our guess: ask again with room for all
          continue;
        }
        if (r == -ENODEV || r == -Errno.ENOENT) {
          return List.of();
        }
        if (r < 0) {
          throw new BpfException(
              "BPF_PROG_QUERY tcx ingress ifindex " + ifindex,
              (int) -r,
              r == -Errno.EINVAL ? "tcx needs Linux 6.6 or newer" : Errno.genericHint((int) -r));
        }
        List<Attached> out = new ArrayList<>(count);
        for (int i = 0; i < Math.min(count, capacity); i++) {
          out.add(new Attached(progs.getAtIndex(JAVA_INT, i), links.getAtIndex(JAVA_INT, i)));
        }
        return out;
      }
    }
  }

  /** Every tcx link of the machine (all namespaces; callers filter by program id). */
  public static List<Link> all() {
    List<Link> out = new ArrayList<>();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = Bpf.allocateErrnoCapture(arena);
      MemorySegment attr = arena.allocate(16, 8);
      int id = 0;
      while (true) {
        attr.fill((byte) 0);
        attr.set(JAVA_INT, 0, id);
        long r = Bpf.call(BPF_LINK_GET_NEXT_ID, attr, 12, capture);
        if (r < 0) {
          if (-r == Errno.ENOENT) {
            return out;
          }
          throw new BpfException("BPF_LINK_GET_NEXT_ID", (int) -r, Errno.genericHint((int) -r));
        }
        id = attr.get(JAVA_INT, 4);
        int fd = openById(id);
        if (fd < 0) {
          continue; // went away between the two calls
        }
        try {
          Link l = info(fd);
          if (l != null) {
            out.add(l);
          }
        } finally {
          Bpf.close(fd);
        }
      }
    }
  }

  /** An fd for link {@code id}, or -errno (ENOENT: it is gone). */
  public static int openById(int id) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment attr = arena.allocate(12, 8);
      attr.set(JAVA_INT, 0, id);
      long r = Bpf.call(BPF_LINK_GET_FD_BY_ID, attr, 12, Bpf.allocateErrnoCapture(arena));
      return (int) r;
    }
  }
}
