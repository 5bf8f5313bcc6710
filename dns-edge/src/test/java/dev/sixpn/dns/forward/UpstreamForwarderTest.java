package dev.sixpn.dns.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.dns.testing.FakeUpstream;
import dev.sixpn.dns.testing.Packets;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The forwarder against a scripted upstream on loopback (real sockets, NIO transport). */
class UpstreamForwarderTest {

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

  @AfterEach
  void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private UpstreamForwarder forwarder(List<InetSocketAddress> upstreams)
      throws InterruptedException {
    return new UpstreamForwarder(
        group, NioDatagramChannel.class, NioSocketChannel.class, upstreams, Duration.ofMillis(300));
  }

  private static byte[] ask(UpstreamForwarder f, int id, String name) throws Exception {
    Message q = Packets.query(id, name, Type.A);
    return f.forward(q.toWire(), q.getQuestion(), 512).get(5, TimeUnit.SECONDS);
  }

  @Test
  void forward_restoresClientIdInAnswer() throws Exception {
    try (FakeUpstream up = new FakeUpstream();
        UpstreamForwarder f = forwarder(List.of(up.address()))) {
      Message m = new Message(ask(f, 0x2468, "a.example."));
      assertEquals(0x2468, m.getHeader().getID());
      assertEquals(1, m.getSection(Section.ANSWER).size());
    }
  }

  @Test
  void forward_nextUpstreamAfterTimeoutOfFirst() throws Exception {
    InetSocketAddress dead;
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      dead = (InetSocketAddress) s.getLocalSocketAddress(); // closed again: nothing answers there
    }
    try (FakeUpstream up = new FakeUpstream();
        UpstreamForwarder f = forwarder(List.of(dead, up.address()))) {
      assertEquals(1, new Message(ask(f, 1, "b.example.")).getSection(Section.ANSWER).size());
    }
  }

  @Test
  void forward_allSilentFailsWithTimeout() throws Exception {
    try (FakeUpstream up = new FakeUpstream();
        UpstreamForwarder f = forwarder(List.of(up.address()))) {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> ask(f, 2, "silent.example."));
      assertInstanceOf(ForwardTimeoutException.class, e.getCause());
    }
  }

  @Test
  void forward_pastMaxInFlight_failsAtOnce_andRecoversWhenTheyEnd() throws Exception {
    try (FakeUpstream up = new FakeUpstream();
        UpstreamForwarder f =
            new UpstreamForwarder(
                group,
                NioDatagramChannel.class,
                NioSocketChannel.class,
                List.of(up.address()),
                Duration.ofMillis(300),
                4)) {
      List<java.util.concurrent.CompletableFuture<byte[]>> waiting = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        Message q = Packets.query(10 + i, "silent" + i + ".example.", Type.A);
        waiting.add(f.forward(q.toWire(), q.getQuestion(), 512));
      }
      Message fifth = Packets.query(20, "www.example.", Type.A);
      java.util.concurrent.CompletableFuture<byte[]> over =
          f.forward(fifth.toWire(), fifth.getQuestion(), 512);
      assertTrue(over.isDone(), "refused without waiting");
      ExecutionException e = assertThrows(ExecutionException.class, over::get);
      assertInstanceOf(ForwardOverloadException.class, e.getCause());
      for (var w : waiting) {
        ExecutionException t =
            assertThrows(ExecutionException.class, () -> w.get(5, TimeUnit.SECONDS));
        assertInstanceOf(ForwardTimeoutException.class, t.getCause());
      }
      assertEquals(20, new Message(ask(f, 20, "www.example.")).getHeader().getID());
    }
  }

  @Test
  void forward_truncatedAnswerRetriedOverTcpForTcpClient() throws Exception {
    try (FakeUpstream up = new FakeUpstream();
        UpstreamForwarder f = forwarder(List.of(up.address()))) {
      Message q = Packets.query(3, "big.example.", Type.A);
      Message m =
          new Message(f.forward(q.toWire(), q.getQuestion(), 0xffff).get(5, TimeUnit.SECONDS));
      assertEquals(100, m.getSection(Section.ANSWER).size());
      assertEquals(3, m.getHeader().getID());
      assertTrue(up.tcpQueries.get() >= 1);
    }
  }

  @Test
  void constructor_rejectsMisuse() {
    assertThrows(IllegalArgumentException.class, () -> forwarder(List.of()));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new UpstreamForwarder(
                group,
                NioDatagramChannel.class,
                NioSocketChannel.class,
                List.of(new InetSocketAddress("127.0.0.1", 53)),
                Duration.ZERO));
  }
}
