package dev.sixpn.dns.unix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The syscall-driven UDP socket against real sockets on loopback. */
class UdpSocketTest {

  private static final InetSocketAddress V4_ANY_PORT = new InetSocketAddress("127.0.0.1", 0);
  private static final InetSocketAddress V6_ANY_PORT = new InetSocketAddress("::1", 0);

  @Test
  void bind_portZeroGetsTheKernelsPortAndTheAddressFamily() throws Exception {
    try (UdpSocket v4 = UdpSocket.bind(V4_ANY_PORT, false, 1 << 16);
        UdpSocket v6 = UdpSocket.bind(V6_ANY_PORT, false, 1 << 16)) {
      assertNotEquals(0, v4.localAddress().getPort());
      assertInstanceOf(Inet4Address.class, v4.localAddress().getAddress());
      assertNotEquals(0, v6.localAddress().getPort());
      assertInstanceOf(Inet6Address.class, v6.localAddress().getAddress());
    }
  }

  @Test
  void bind_takenPortWithoutReusePort_namesTheAddressAndErrno() throws Exception {
    try (UdpSocket first = UdpSocket.bind(V4_ANY_PORT, false, 1 << 16)) {
      UnixException e =
          assertThrows(
              UnixException.class, () -> UdpSocket.bind(first.localAddress(), false, 1 << 16));
      assertEquals(98, e.errno());
      assertTrue(e.getMessage().contains(first.localAddress().toString()), e.getMessage());
      assertTrue(e.getMessage().contains("EADDRINUSE"), e.getMessage());
    }
  }

  @Test
  void bind_reusePortLetsSocketsShareTheAddress() throws Exception {
    try (UdpSocket first = UdpSocket.bind(V4_ANY_PORT, true, 1 << 16);
        UdpSocket second = UdpSocket.bind(first.localAddress(), true, 1 << 16)) {
      assertEquals(first.localAddress(), second.localAddress());
    }
  }

  @Test
  void bind_addressNotOnAnyInterface_saysHowToFixIt() {
    UnixException e =
        assertThrows(
            UnixException.class,
            () -> UdpSocket.bind(new InetSocketAddress("fdaa:ffff::3", 0), false, 1 << 16));
    assertTrue(e.getMessage().contains("EADDRNOTAVAIL"), e.getMessage());
  }

  @Test
  void receive_takesEveryQueuedDatagramInOneCall_andSendAnswersEach() throws Exception {
    for (InetSocketAddress bindTo : new InetSocketAddress[] {V4_ANY_PORT, V6_ANY_PORT}) {
      try (UdpSocket server = UdpSocket.bind(bindTo, false, 1 << 20);
          DatagramSocket client =
              new DatagramSocket(new InetSocketAddress(bindTo.getAddress(), 0));
          Arena arena = Arena.ofConfined()) {
        client.setSoTimeout(5000);
        for (int i = 0; i < 5; i++) {
          byte[] b = ("query-" + i).getBytes(StandardCharsets.US_ASCII);
          client.send(new DatagramPacket(b, b.length, server.localAddress()));
        }
        DatagramVector in = DatagramVector.forReceiving(arena, 8, 64);
        DatagramVector out = DatagramVector.forSending(arena, 8, 4096);
        MemorySegment capture = UdpSocket.errnoCapture(arena);
        int got = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        byte[] buf = new byte[64];
        while (got < 5 && System.nanoTime() < deadline) {
          int n = server.receive(in, capture);
          assertTrue(n > 0, "receive returned " + n);
          for (int i = 0; i < n; i++) {
            int len = in.length(i);
            in.copyData(i, buf, len);
            assertEquals("query-" + (got + i), new String(buf, 0, len, StandardCharsets.US_ASCII));
            assertFalse(in.truncated(i));
            assertEquals(client.getLocalSocketAddress(), in.sender(i));
            assertEquals(client.getLocalAddress(), in.senderAddress(i));
            // answer in place: the reply is the query upper-cased
            byte[] reply =
                new String(buf, 0, len, StandardCharsets.US_ASCII).toUpperCase().getBytes();
            MemorySegment.copy(
                reply,
                0,
                out.area(),
                java.lang.foreign.ValueLayout.JAVA_BYTE,
                out.used(),
                reply.length);
            out.queueWritten(reply.length, in, i);
          }
          got += n;
          assertEquals(0, server.send(out, capture));
          assertEquals(0, out.count(), "send clears the vector");
        }
        assertEquals(5, got);
        for (int i = 0; i < 5; i++) {
          DatagramPacket p = new DatagramPacket(new byte[64], 64);
          client.receive(p);
          assertEquals(server.localAddress(), p.getSocketAddress());
          assertEquals(
              "QUERY-" + i, new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
        }
      }
    }
  }

  @Test
  void senderKey_sameAddressAnyPort_equal_otherAddress_not() throws Exception {
    try (UdpSocket server = UdpSocket.bind(new InetSocketAddress("127.0.0.1", 0), false, 1 << 20);
        DatagramSocket a = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        DatagramSocket b = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0));
        Arena arena = Arena.ofConfined()) {
      for (DatagramSocket s : new DatagramSocket[] {a, b, c}) {
        s.send(new DatagramPacket(new byte[1], 1, server.localAddress()));
      }
      DatagramVector in = DatagramVector.forReceiving(arena, 4, 64);
      MemorySegment capture = UdpSocket.errnoCapture(arena);
      // loopback delivers at send: all three are queued, and one call takes them all
      assertEquals(3, server.receive(in, capture));
      byte[] key = new byte[DatagramVector.SENDER_KEY_BYTES];
      int length = in.senderKey(0, key);
      assertEquals(2 + 4, length, "family and IPv4 address");
      assertTrue(in.senderKeyEquals(0, key, length));
      assertTrue(in.senderKeyEquals(1, key, length), "same address, other port");
      assertFalse(in.senderKeyEquals(2, key, length), "127.0.0.2");
    }
  }

  @Test
  void receive_longerDatagramIsCutAndMarked() throws Exception {
    try (UdpSocket server = UdpSocket.bind(V4_ANY_PORT, false, 1 << 20);
        DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        Arena arena = Arena.ofConfined()) {
      byte[] big = new byte[2000];
      Arrays.fill(big, (byte) 7);
      client.send(new DatagramPacket(big, big.length, server.localAddress()));
      DatagramVector in = DatagramVector.forReceiving(arena, 4, 1232);
      assertEquals(1, server.receive(in, UdpSocket.errnoCapture(arena)));
      assertTrue(in.truncated(0));
      assertEquals(1232, in.length(0));
    }
  }

  @Test
  void shutdown_wakesABlockedReceive() throws Exception {
    UdpSocket server = UdpSocket.bind(V6_ANY_PORT, false, 1 << 16);
    CompletableFuture<Integer> received =
        CompletableFuture.supplyAsync(
            () -> {
              try (Arena arena = Arena.ofConfined()) {
                DatagramVector in = DatagramVector.forReceiving(arena, 4, 512);
                return server.receive(in, UdpSocket.errnoCapture(arena));
              }
            },
            r -> Thread.ofPlatform().daemon().start(r));
    Thread.sleep(200); // let it block
    assertFalse(received.isDone(), "nothing was sent: the receive must still block");
    server.shutdown();
    assertEquals(0, received.get(5, TimeUnit.SECONDS));
    server.close();
    server.close(); // twice is fine
  }

  @Test
  void sendTo_fromAnyThread_andFalseOnceClosed() throws Exception {
    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      client.setSoTimeout(5000);
      UdpSocket server = UdpSocket.bind(V4_ANY_PORT, false, 1 << 16);
      byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
      boolean sent =
          CompletableFuture.supplyAsync(
                  () -> server.sendTo(hello, (InetSocketAddress) client.getLocalSocketAddress()))
              .get(5, TimeUnit.SECONDS);
      assertTrue(sent);
      DatagramPacket p = new DatagramPacket(new byte[16], 16);
      client.receive(p);
      assertArrayEquals(hello, Arrays.copyOf(p.getData(), p.getLength()));
      server.close();
      assertFalse(server.sendTo(hello, (InetSocketAddress) client.getLocalSocketAddress()));
    }
  }

  @Test
  void queue_encodesTheDestination_v4AndV6() throws Exception {
    for (String host : new String[] {"127.0.0.1", "::1"}) {
      try (DatagramSocket client = new DatagramSocket(new InetSocketAddress(host, 0));
          UdpSocket server = UdpSocket.bind(new InetSocketAddress(host, 0), false, 1 << 16);
          Arena arena = Arena.ofConfined()) {
        client.setSoTimeout(5000);
        DatagramVector out = DatagramVector.forSending(arena, 2, 512);
        out.queue("one".getBytes(), (InetSocketAddress) client.getLocalSocketAddress());
        out.queue("two".getBytes(), (InetSocketAddress) client.getLocalSocketAddress());
        assertEquals(0, server.send(out, UdpSocket.errnoCapture(arena)));
        for (String want : new String[] {"one", "two"}) {
          DatagramPacket p = new DatagramPacket(new byte[16], 16);
          client.receive(p);
          assertEquals(want, new String(p.getData(), 0, p.getLength()));
        }
      }
    }
  }

  @Test
  void sendFailureOfOneMessage_skipsItAndSendsTheRest() throws Exception {
    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        UdpSocket server = UdpSocket.bind(V4_ANY_PORT, false, 1 << 16);
        Arena arena = Arena.ofConfined()) {
      client.setSoTimeout(5000);
      DatagramVector out = DatagramVector.forSending(arena, 3, 512);
      // port 0 is not a valid destination: sendmsg fails with EINVAL for that message alone
      out.queue("bad".getBytes(), new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      out.queue("good".getBytes(), (InetSocketAddress) client.getLocalSocketAddress());
      assertEquals(1, server.send(out, UdpSocket.errnoCapture(arena)));
      DatagramPacket p = new DatagramPacket(new byte[16], 16);
      client.receive(p);
      assertEquals("good", new String(p.getData(), 0, p.getLength()));
    }
  }
}
