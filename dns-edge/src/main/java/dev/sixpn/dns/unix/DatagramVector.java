package dev.sixpn.dns.unix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A vector of {@code struct mmsghdr} for recvmmsg(2) and sendmmsg(2), with one iovec and one
 * address buffer per message and the datagrams' bytes, all in native memory allocated once.
 *
 * <p>Layout on LP64 Linux (sys/socket.h): {@code struct msghdr} is name (ptr, 0), namelen (u32, 8),
 * iov (ptr, 16), iovlen (size_t, 24), control (ptr, 32), controllen (size_t, 40), flags (int, 48),
 * 56 bytes; {@code struct mmsghdr} adds msg_len (u32, 56) and pads to 64. {@code struct iovec} is
 * base (ptr) and len (size_t), 16 bytes. Tested against these offsets in {@code
 * DatagramVectorTest}.
 *
 * <p>Receiving: message {@code i} reads into its own slot of {@code datagramBytes}. Sending:
 * datagrams are appended to one area, each message pointing at its bytes. Not thread-safe: one
 * vector per receive loop.
 */
public final class DatagramVector {

  static final long MMSGHDR_BYTES = 64;
  static final long MSG_NAME = 0;
  static final long MSG_NAMELEN = 8;
  static final long MSG_IOV = 16;
  static final long MSG_IOVLEN = 24;
  static final long MSG_FLAGS = 48;
  static final long MSG_LEN = 56;
  static final long IOVEC_BYTES = 16;
  static final long IOV_BASE = 0;
  static final long IOV_LEN = 8;

  /** Address buffers are sockaddr_in6-sized, on an 8-byte stride. */
  private static final long NAME_STRIDE = 32;

  private final int capacity;
  private final int slotBytes;
  private final MemorySegment headers;
  private final MemorySegment iovecs;
  private final MemorySegment names;
  private final MemorySegment data;
  private int count;
  private long used;

  private DatagramVector(Arena arena, int capacity, int slotBytes, long dataBytes) {
    if (capacity < 1 || capacity > 1024) {
      throw new IllegalArgumentException("capacity must be in 1..1024, got " + capacity);
    }
    this.capacity = capacity;
    this.slotBytes = slotBytes;
    this.headers = arena.allocate(MMSGHDR_BYTES * capacity, 8);
    this.iovecs = arena.allocate(IOVEC_BYTES * capacity, 8);
    this.names = arena.allocate(NAME_STRIDE * capacity, 8);
    this.data = arena.allocate(dataBytes, 8);
    for (int i = 0; i < capacity; i++) {
      long h = MMSGHDR_BYTES * i;
      headers.set(ADDRESS, h + MSG_NAME, names.asSlice(NAME_STRIDE * i, NAME_STRIDE));
      headers.set(JAVA_INT, h + MSG_NAMELEN, Sockaddr.MAX_BYTES);
      headers.set(ADDRESS, h + MSG_IOV, iovecs.asSlice(IOVEC_BYTES * i, IOVEC_BYTES));
      headers.set(JAVA_LONG, h + MSG_IOVLEN, 1);
    }
  }

  /**
   * A vector to receive up to {@code capacity} datagrams of up to {@code datagramBytes} each (a
   * longer one is cut, see {@link #truncated}).
   */
  public static DatagramVector forReceiving(Arena arena, int capacity, int datagramBytes) {
    if (datagramBytes < 1 || datagramBytes > 65535) {
      throw new IllegalArgumentException("datagramBytes must be in 1..65535, got " + datagramBytes);
    }
    DatagramVector v =
        new DatagramVector(arena, capacity, datagramBytes, (long) capacity * datagramBytes);
    for (int i = 0; i < capacity; i++) {
      v.point(i, (long) i * datagramBytes, datagramBytes);
    }
    return v;
  }

  /** A vector to send up to {@code capacity} datagrams totalling up to {@code areaBytes}. */
  public static DatagramVector forSending(Arena arena, int capacity, int areaBytes) {
    if (areaBytes < 512) {
      throw new IllegalArgumentException("areaBytes must be at least 512, got " + areaBytes);
    }
    return new DatagramVector(arena, capacity, 0, areaBytes);
  }

  private void point(int i, long offset, int length) {
    long io = IOVEC_BYTES * i;
    iovecs.set(ADDRESS, io + IOV_BASE, data.asSlice(offset, length));
    iovecs.set(JAVA_LONG, io + IOV_LEN, length);
  }

  public int capacity() {
    return capacity;
  }

  MemorySegment headers() {
    return headers;
  }

  // ---- receiving

  /**
   * Makes the first {@code n} messages ready for the next receive: recvmmsg(2) overwrites their
   * address length (a value-result argument).
   */
  void rearm(int n) {
    for (int i = 0; i < n; i++) {
      headers.set(JAVA_INT, MMSGHDR_BYTES * i + MSG_NAMELEN, Sockaddr.MAX_BYTES);
    }
  }

  /** Bytes received in message {@code i} (at most the slot size). */
  public int length(int i) {
    return headers.get(JAVA_INT, MMSGHDR_BYTES * i + MSG_LEN);
  }

  /** True if message {@code i} was longer than its slot and was cut (MSG_TRUNC). */
  public boolean truncated(int i) {
    return (headers.get(JAVA_INT, MMSGHDR_BYTES * i + MSG_FLAGS) & Libc.MSG_TRUNC) != 0;
  }

  /** Copies the first {@code n} bytes of received message {@code i} into {@code to}. */
  public void copyData(int i, byte[] to, int n) {
    MemorySegment.copy(data, JAVA_BYTE, (long) i * slotBytes, to, 0, n);
  }

  /** The source of received message {@code i}, or null if it is not an IP address. */
  public InetSocketAddress sender(int i) {
    return Sockaddr.socketAddress(names, NAME_STRIDE * i);
  }

  /** The source address of received message {@code i}, or null if it is not IP. */
  public InetAddress senderAddress(int i) {
    return Sockaddr.address(names, NAME_STRIDE * i);
  }

  /** Bytes of a sender key: the family, then the IPv4 address or the IPv6 address and scope. */
  public static final int SENDER_KEY_BYTES = 2 + 16 + 4;

  /**
   * Writes the key of message {@code i}'s source address (not its port) into {@code key}.
   *
   * @return the key's length
   */
  public int senderKey(int i, byte[] key) {
    long at = NAME_STRIDE * i;
    int family = Sockaddr.family(names, at);
    key[0] = (byte) family;
    key[1] = (byte) (family >>> 8);
    int n = family == Libc.AF_INET ? 4 : SENDER_KEY_BYTES - 2;
    MemorySegment.copy(names, JAVA_BYTE, at + (family == Libc.AF_INET ? 4 : 8), key, 2, n);
    return 2 + n;
  }

  /** True if message {@code i}'s source has the key {@code key[0..length)}. */
  public boolean senderKeyEquals(int i, byte[] key, int length) {
    long at = NAME_STRIDE * i;
    int family = Sockaddr.family(names, at);
    if (key[0] != (byte) family || key[1] != (byte) (family >>> 8)) {
      return false;
    }
    int n = family == Libc.AF_INET ? 4 : SENDER_KEY_BYTES - 2;
    if (length != 2 + n) {
      return false;
    }
    long from = at + (family == Libc.AF_INET ? 4 : 8);
    for (int k = 0; k < n; k++) {
      if (names.get(JAVA_BYTE, from + k) != key[2 + k]) {
        return false;
      }
    }
    return true;
  }

  /** Copies the address of message {@code i} to message {@code j} of {@code to}. */
  public void copySender(int i, DatagramVector to, int j) {
    MemorySegment.copy(names, NAME_STRIDE * i, to.names, NAME_STRIDE * j, NAME_STRIDE);
    to.headers.set(
        JAVA_INT,
        MMSGHDR_BYTES * j + MSG_NAMELEN,
        headers.get(JAVA_INT, MMSGHDR_BYTES * i + MSG_NAMELEN));
  }

  // ---- sending

  /** The area sending datagrams are written into; datagram {@code k} starts at {@link #used}. */
  public MemorySegment area() {
    return data;
  }

  /** Messages queued to send. */
  public int count() {
    return count;
  }

  /** Bytes of the area taken by queued messages. */
  public long used() {
    return used;
  }

  /** True if one more datagram of {@code length} bytes fits. */
  public boolean fits(int length) {
    return count < capacity && used + length <= data.byteSize();
  }

  /**
   * Queues the {@code length} bytes already written at {@link #used} in the area, to the address of
   * received message {@code i} of {@code from}.
   */
  public void queueWritten(int length, DatagramVector from, int i) {
    requireFits(length);
    from.copySender(i, this, count);
    point(count, used, length);
    used += length;
    count++;
  }

  /** Queues a copy of {@code wire} to {@code to}. */
  public void queue(byte[] wire, InetSocketAddress to) {
    requireFits(wire.length);
    MemorySegment.copy(wire, 0, data, JAVA_BYTE, used, wire.length);
    int len = Sockaddr.write(names, NAME_STRIDE * count, to);
    headers.set(JAVA_INT, MMSGHDR_BYTES * count + MSG_NAMELEN, len);
    point(count, used, wire.length);
    used += wire.length;
    count++;
  }

  private void requireFits(int length) {
    if (!fits(length)) {
      throw new IllegalStateException(
          "vector full: " + count + "/" + capacity + " messages, " + used + " bytes used");
    }
  }

  /** Forgets every queued message (after they are sent). */
  public void clear() {
    count = 0;
    used = 0;
  }
}
