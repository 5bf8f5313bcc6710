package dev.sixpn.dns.server;

import dev.sixpn.dns.metrics.DnsMetrics;
import dev.sixpn.dns.unix.DatagramVector;
import dev.sixpn.dns.unix.UdpSocket;
import dev.sixpn.dns.wire.DatagramDnsQueryDecoder;
import dev.sixpn.dns.wire.DnsRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One UDP socket and the thread that serves it: recvmmsg(2) blocks until queries arrive, each is
 * answered from {@link KeptTemplates} or by the general path ({@link QueryAnswerer}), and the batch
 * of answers leaves with one sendmmsg(2). Two syscalls per wake-up, no selector.
 *
 * <p>The server runs one loop per core on SO_REUSEPORT sockets of the same address, so the kernel
 * spreads clients over them. Forwarded answers arrive on other threads and leave with sendto(2).
 */
final class UdpReceiveLoop implements Replies, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(UdpReceiveLoop.class);

  /** How long {@link #close} waits for the thread after waking it. */
  private static final long JOIN_MILLIS = 5_000;

  /** Pause after a failed receive that is not a signal, so that a persistent error cannot spin. */
  private static final long ERROR_PAUSE_NANOS = 10_000_000;

  /** Answer bytes kept per batch slot; a batch of larger answers is sent in parts. */
  private static final int SLOT_ANSWER_BYTES = 4096;

  private final UdpSocket socket;
  private final QueryAnswerer handler;
  private final DatagramDnsQueryDecoder decoder;
  private final DnsMetrics metrics;
  private final KeptTemplates kept;
  private final Thread thread;
  private final RateLimitedLog problems = new RateLimitedLog(LOG, 10_000_000_000L);
  private final List<Object> decoded = new ArrayList<>(1);
  private volatile boolean closing;
  private boolean closed;

  // used by the loop thread only
  private DatagramVector in;
  private DatagramVector out;
  private ByteBuf outBytes;
  private MemorySegment capture;
  private final SenderCache senders = new SenderCache();

  UdpReceiveLoop(
      UdpSocket socket,
      QueryAnswerer handler,
      DatagramDnsQueryDecoder decoder,
      DnsMetrics metrics,
      String name) {
    this.socket = Objects.requireNonNull(socket, "socket");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.handler = Objects.requireNonNull(handler, "handler");
    this.decoder = Objects.requireNonNull(decoder, "decoder");
    this.kept = new KeptTemplates(handler);
    this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  private void run() {
    int slotBytes = Math.min(handler.maxUdpPayload(), SLOT_ANSWER_BYTES);
    try (Arena arena = Arena.ofConfined()) {
      capture = UdpSocket.errnoCapture(arena);
      in =
          DatagramVector.forReceiving(
              arena, DnsEdgeServer.RECV_BATCH, DnsEdgeServer.MAX_QUERY_DATAGRAM);
      out =
          DatagramVector.forSending(
              arena,
              DnsEdgeServer.RECV_BATCH,
              Math.max(DnsEdgeServer.RECV_BATCH * slotBytes, handler.maxUdpPayload()));
      outBytes = Unpooled.wrappedBuffer(out.area().asByteBuffer()).clear();
      while (!closing) {
        try {
          serveBatch();
        } catch (RuntimeException e) {
          // a failed downcall or a bug: this socket keeps getting its share of the clients
          // (SO_REUSEPORT), so the loop must go on serving them
          problems.warn("UDP receive loop on " + socket + " failed a batch", e.toString());
          out.clear();
          LockSupport.parkNanos(ERROR_PAUSE_NANOS);
        }
      }
    } catch (Throwable t) {
      LOG.error("UDP receive loop on {} stopped", socket, t);
      throw t;
    }
  }

  /** Waits for a batch of queries, answers them, sends the answers. */
  private void serveBatch() {
    int n = socket.receive(in, capture);
    if (n < 0) {
      problems.warn("recvmmsg failed on " + socket, "errno " + -n);
      LockSupport.parkNanos(ERROR_PAUSE_NANOS);
      return;
    }
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      try {
        answer(i, start);
      } catch (RuntimeException e) {
        problems.warn("error while answering", e.toString());
      }
    }
    flush();
  }

  private void answer(int i, long start) {
    int length = in.length(i);
    if (!in.truncated(i)) {
      in.copyData(i, kept.query(), length);
      InetAddress source = senders.address(in, i);
      if (source == null) {
        return; // not an IP source: nothing to answer
      }
      if (!out.fits(handler.maxUdpPayload())) {
        flush();
      }
      outBytes.writerIndex((int) out.used());
      int answered;
      try {
        answered = kept.answer(length, source, outBytes, start);
      } catch (RuntimeException e) {
        // a bug here must not lose the query: the general path answers it and reports problems
        answered = -1;
      }
      if (answered >= 0) {
        out.queueWritten(answered, in, i);
        return;
      }
    }
    InetSocketAddress sender = in.sender(i);
    if (sender == null) {
      return;
    }
    // a cut datagram is decoded as cut: FORMERR (or dropped), like Netty's path
    byte[] wire = new byte[length];
    in.copyData(i, wire, length);
    decoded.clear();
    decoder.decode(wire, sender, socket.localAddress(), decoded);
    for (Object request : decoded) {
      handler.answer((DnsRequest) request, this);
    }
  }

  private void flush() {
    if (out.count() > 0) {
      int refused = socket.send(out, capture);
      if (refused > 0) {
        metrics.sendFailed(refused);
        problems.warn("sendmmsg refused answers on " + socket, refused + " datagrams");
      }
    }
    out.clear();
    outBytes.clear();
  }

  /** On the loop thread, while answering a batch: queued, sent with the batch. */
  @Override
  public void send(DnsRequest to, byte[] wire) {
    if (Thread.currentThread() != thread) {
      sendNow(to, wire);
      return;
    }
    if (!out.fits(wire.length)) {
      flush();
    }
    if (out.fits(wire.length)) {
      out.queue(wire, to.sender());
    } else {
      sendNow(to, wire); // larger than the whole area
    }
  }

  @Override
  public void sendNow(DnsRequest to, byte[] wire) {
    if (!socket.sendTo(wire, to.sender()) && !closing) {
      metrics.sendFailed(1);
      problems.warn("sendto refused an answer on " + socket, to.sender().toString());
    }
  }

  /**
   * Wakes the thread (shutdown(2) makes its recvmmsg return), waits for it, then closes the socket.
   * Safe to call twice.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closing = true;
    socket.shutdown();
    if (thread.isAlive() || thread.getState() != Thread.State.NEW) {
      try {
        thread.join(JOIN_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (thread.isAlive()) {
      // closing the fd would not wake it, and the number could be reused under it: leave it open
      LOG.warn("UDP receive loop on {} did not stop within {} ms", socket, JOIN_MILLIS);
      return;
    }
    socket.close();
  }

  /**
   * The last source address seen, so that a burst from one client builds one {@link InetAddress}.
   */
  private static final class SenderCache {
    private final byte[] raw = new byte[DatagramVector.SENDER_KEY_BYTES];
    private int rawLength = -1;
    private InetAddress address;

    InetAddress address(DatagramVector v, int i) {
      if (rawLength >= 0 && v.senderKeyEquals(i, raw, rawLength)) {
        return address;
      }
      address = v.senderAddress(i);
      rawLength = address == null ? -1 : v.senderKey(i, raw);
      return address;
    }
  }
}
