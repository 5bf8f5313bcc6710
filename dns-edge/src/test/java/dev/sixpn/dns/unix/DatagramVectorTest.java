package dev.sixpn.dns.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The vector's bookkeeping and the sockaddr codec, without sockets. */
class DatagramVectorTest {

  @Test
  void sockaddr_roundTripsV4V6AndScope() throws Exception {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment s = arena.allocate(Sockaddr.MAX_BYTES);
      InetSocketAddress[] cases = {
        new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 53),
        new InetSocketAddress(InetAddress.getByName("fdaa:0:1::3"), 65535),
        new InetSocketAddress(InetAddress.getByName("fe80::1%1"), 5353),
      };
      int[] lengths = {Sockaddr.IN_BYTES, Sockaddr.MAX_BYTES, Sockaddr.MAX_BYTES};
      for (int i = 0; i < cases.length; i++) {
        assertEquals(lengths[i], Sockaddr.write(s, 0, cases[i]));
        assertEquals(cases[i], Sockaddr.socketAddress(s, 0));
      }
    }
  }

  @Test
  void sockaddr_unknownFamily_isNull() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment s = arena.allocate(Sockaddr.MAX_BYTES);
      s.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) 1); // AF_UNIX
      assertEquals(null, Sockaddr.socketAddress(s, 0));
    }
  }

  @Test
  void queue_fillsUntilSlotsOrBytesRunOut_andClearEmpties() {
    try (Arena arena = Arena.ofConfined()) {
      DatagramVector out = DatagramVector.forSending(arena, 2, 600);
      InetSocketAddress to = new InetSocketAddress("127.0.0.1", 5353);
      assertTrue(out.fits(600));
      out.queue(new byte[500], to);
      assertFalse(out.fits(101), "600-byte area with 500 used");
      assertTrue(out.fits(100));
      out.queue(new byte[100], to);
      assertFalse(out.fits(0), "both slots taken");
      assertThrows(IllegalStateException.class, () -> out.queue(new byte[1], to));
      assertEquals(2, out.count());
      assertEquals(600, out.used());
      out.clear();
      assertEquals(0, out.count());
      assertTrue(out.fits(600));
    }
  }

  @Test
  void constructors_rejectBadSizes() {
    try (Arena arena = Arena.ofConfined()) {
      assertThrows(IllegalArgumentException.class, () -> DatagramVector.forSending(arena, 0, 4096));
      assertThrows(IllegalArgumentException.class, () -> DatagramVector.forSending(arena, 8, 100));
      assertThrows(
          IllegalArgumentException.class, () -> DatagramVector.forReceiving(arena, 8, 70000));
    }
  }
}
