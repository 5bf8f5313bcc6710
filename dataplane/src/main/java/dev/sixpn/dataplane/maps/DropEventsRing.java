package dev.sixpn.dataplane.maps;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.sixpn.dataplane.bpf.Bpf;
import dev.sixpn.dataplane.bpf.BpfException;
import dev.sixpn.dataplane.bpf.MapInfo;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code sixpn_dropring}: the BPF_MAP_TYPE_RINGBUF the programs write a {@code struct drop_event}
 * to on each drop (at most 1,000 a second per CPU; see {@link DropRateMap} for what they held
 * back). Read the way libbpf's {@code ring_buffer__poll} does: the consumer page mapped read-write
 * at offset 0 of the map fd, the producer page and the data pages read-only after it (the data
 * mapped twice in a row, so a record that wraps is contiguous), poll(2) on the fd to wait.
 *
 * <p>One reader at a time: reading advances the shared consumer position. Opening skips what is
 * already in the ring (records from before anyone looked); the events are what happens from now.
 */
public final class DropEventsRing implements AutoCloseable {

  public static final String NAME = "sixpn_dropring";

  /** {@code struct drop_event}. */
  public static final StructLayout EVENT =
      MemoryLayout.structLayout(
          JAVA_LONG.withName("time_ns"),
          JAVA_INT.withName("ifindex"),
          JAVA_INT.withName("reason"),
          JAVA_INT.withName("len"),
          JAVA_INT.withName("suppressed"),
          JAVA_SHORT.withName("protocol"),
          JAVA_BYTE.withName("nexthdr"),
          JAVA_BYTE.withName("has_addrs"),
          MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("saddr"),
          MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("daddr"),
          JAVA_INT.withName("pad"));

  /** The record header's length word: being written, or discarded (include/uapi/linux/bpf.h). */
  private static final int BUSY_BIT = 1 << 31;

  private static final int DISCARD_BIT = 1 << 30;
  private static final int HEADER_BYTES = 8;
  private static final int PROT_READ = 1;
  private static final int PROT_WRITE = 2;
  private static final int MAP_SHARED = 1;
  private static final short POLLIN = 1;
  private static final int SC_PAGESIZE = 30;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final MethodHandle MMAP =
      handle(
          "mmap",
          FunctionDescriptor.of(
              ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
  private static final MethodHandle MUNMAP =
      handle("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle POLL =
      handle("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle SYSCONF =
      handle("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));

  /**
   * Positions are {@code unsigned long}s written by the kernel: acquire to read, release to set.
   */
  private static final VarHandle POSITION = JAVA_LONG.varHandle();

  /** Record header: {@code __u32 len} (with the busy and discard bits), then {@code pg_off}. */
  private static final VarHandle LENGTH = JAVA_INT.varHandle();

  /**
   * One drop.
   *
   * @param timeNanos CLOCK_MONOTONIC of the drop (bpf_ktime_get_ns)
   * @param reason the reason, or empty for an index this build does not know
   * @param reasonIndex the raw reason
   * @param ethertype e.g. 0x86dd for IPv6
   * @param source the IPv6 source, if the packet had an IPv6 header
   * @param destination the IPv6 destination, likewise
   * @param nextHeader the IPv6 next header (58 ICMPv6, 6 TCP, 17 UDP), or -1 without IPv6
   * @param suppressedBefore events this CPU held back since its previous record (rate bound or full
   *     ring)
   */
  public record DropEvent(
      long timeNanos,
      int ifindex,
      Optional<DropReason> reason,
      int reasonIndex,
      int length,
      int ethertype,
      Optional<Inet6Address> source,
      Optional<Inet6Address> destination,
      int nextHeader,
      long suppressedBefore) {

    /** The reason's metric label, or {@code reason_<n>}. */
    public String reasonLabel() {
      return reason.map(DropReason::label).orElse("reason_" + reasonIndex);
    }
  }

  private final String path;
  private final int fd;
  private final long dataBytes;
  private final long mask;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment consumer;
  private final MemorySegment producer;
  private final MemorySegment data;
  private final MemorySegment pollfd;
  private final long pageBytes;
  private boolean closed;

  /** Opens the ring pinned at {@code path} and maps it; fails if it is not this build's ring. */
  public DropEventsRing(String path) {
    this.path = path;
    this.fd = Bpf.objGet(path);
    try {
      MapInfo info = Bpf.mapInfo(fd);
      if (info.type() != MapInfo.BPF_MAP_TYPE_RINGBUF || Long.bitCount(info.maxEntries()) != 1) {
        throw new BpfException(
            "map pinned at "
                + path
                + " is type "
                + info.type()
                + " with "
                + info.maxEntries()
                + " entries, this build expects a ring buffer (type "
                + MapInfo.BPF_MAP_TYPE_RINGBUF
                + "): the pins are from another version; the agent replaces them on start (or"
                + " remove the pin directory)");
      }
      this.dataBytes = Integer.toUnsignedLong(info.maxEntries());
      this.mask = dataBytes - 1;
      this.pageBytes = pageSize();
      this.consumer = mmap(pageBytes, PROT_READ | PROT_WRITE, 0);
      MemorySegment p;
      try {
        p = mmap(pageBytes + 2 * dataBytes, PROT_READ, pageBytes);
      } catch (RuntimeException e) {
        munmap(consumer);
        throw e;
      }
      this.producer = p;
      this.data = p.asSlice(pageBytes);
    } catch (RuntimeException e) {
      Bpf.close(fd);
      throw e;
    }
    this.pollfd = arena.allocate(8, 4);
    pollfd.set(JAVA_INT, 0, fd);
    pollfd.set(JAVA_SHORT, 4, POLLIN);
    skipBacklog();
  }

  /** Moves the consumer past every record already in the ring. */
  public synchronized void skipBacklog() {
    POSITION.setRelease(consumer, 0L, (long) POSITION.getAcquire(producer, 0L));
  }

  /**
   * Hands each record now in the ring to {@code sink}, waiting up to {@code timeout} for the first
   * if there is none.
   *
   * @return the number of records handed over
   */
  public synchronized int poll(Duration timeout, Consumer<DropEvent> sink) {
    ensureOpen();
    int n = drain(sink);
    if (n > 0 || timeout.isZero()) {
      return n;
    }
    pollfd.set(JAVA_SHORT, 6, (short) 0);
    try {
      int r =
          (int) POLL.invokeExact(pollfd, 1L, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      if (r < 0) {
        // EINTR and the like: the caller polls again.
        return 0;
      }
    } catch (Throwable t) {
      throw new IllegalStateException("poll(2) downcall failed", t);
    }
    return drain(sink);
  }

  private int drain(Consumer<DropEvent> sink) {
    long cons = (long) POSITION.getAcquire(consumer, 0L);
    long prod = (long) POSITION.getAcquire(producer, 0L);
    int n = 0;
    while (cons < prod) {
      int header = (int) LENGTH.getAcquire(data, cons & mask);
      if ((header & BUSY_BIT) != 0) {
        break; // the producer is still writing it; the rest comes next time
      }
      int len = header & ~(BUSY_BIT | DISCARD_BIT);
      if ((header & DISCARD_BIT) == 0 && len >= EVENT.byteSize()) {
        sink.accept(decode(data.asSlice((cons & mask) + HEADER_BYTES, EVENT.byteSize())));
        n++;
      }
      cons += (len + HEADER_BYTES + 7) & ~7L;
      POSITION.setRelease(consumer, 0L, cons);
    }
    return n;
  }

  static DropEvent decode(MemorySegment e) {
    int reason = e.get(JAVA_INT, 12);
    boolean addrs = e.get(JAVA_BYTE, 27) != 0;
    DropReason[] all = DropReason.values();
    return new DropEvent(
        e.get(JAVA_LONG, 0),
        e.get(JAVA_INT, 8),
        reason >= 0 && reason < all.length ? Optional.of(all[reason]) : Optional.empty(),
        reason,
        e.get(JAVA_INT, 16),
        Short.toUnsignedInt(e.get(JAVA_SHORT, 24)),
        addrs ? Optional.of(address(e.asSlice(28, 16))) : Optional.empty(),
        addrs ? Optional.of(address(e.asSlice(44, 16))) : Optional.empty(),
        addrs ? Byte.toUnsignedInt(e.get(JAVA_BYTE, 26)) : -1,
        Integer.toUnsignedLong(e.get(JAVA_INT, 20)));
  }

  private static Inet6Address address(MemorySegment s) {
    try {
      return (Inet6Address) InetAddress.getByAddress(s.toArray(JAVA_BYTE));
    } catch (UnknownHostException e) {
      throw new AssertionError("16 bytes are an IPv6 address", e);
    }
  }

  private MemorySegment mmap(long bytes, int prot, long offset) {
    MemorySegment m;
    try {
      m = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, bytes, prot, MAP_SHARED, fd, offset);
    } catch (Throwable t) {
      throw new IllegalStateException("mmap(2) downcall failed", t);
    }
    if (m.address() == -1L) {
      throw new BpfException(
          "cannot mmap the ring buffer pinned at "
              + path
              + " (needs root, and a kernel with BPF ring buffers: Linux 5.8+)");
    }
    return reinterpret(m, bytes);
  }

  @SuppressWarnings("restricted")
  private static MemorySegment reinterpret(MemorySegment m, long bytes) {
    return m.reinterpret(bytes);
  }

  private static void munmap(MemorySegment m) {
    try {
      int unused = (int) MUNMAP.invokeExact(m, m.byteSize());
    } catch (Throwable t) {
      throw new IllegalStateException("munmap(2) downcall failed", t);
    }
  }

  private static long pageSize() {
    try {
      return (long) SYSCONF.invokeExact(SC_PAGESIZE);
    } catch (Throwable t) {
      throw new IllegalStateException("sysconf(3) downcall failed", t);
    }
  }

  @SuppressWarnings("restricted")
  private static MethodHandle handle(String name, FunctionDescriptor fd) {
    return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd);
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("ring " + path + " is closed");
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    munmap(consumer);
    munmap(producer);
    Bpf.close(fd);
    arena.close();
  }
}
