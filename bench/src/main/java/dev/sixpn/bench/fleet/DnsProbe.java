package dev.sixpn.bench.fleet;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.link.NetnsExecutor;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Queries to the agent's DNS edge at [fdaa::3]:53 from inside an instance's namespace: the edge
 * scopes answers by the source address, so the sockets are made on that namespace's thread (a
 * socket stays in the namespace it was created in) and used from any thread.
 */
final class DnsProbe implements AutoCloseable {

  static final InetSocketAddress EDGE =
      new InetSocketAddress(SixpnAddress.RESOLVER.toInetAddress(), 53);

  private final NetnsExecutor netns;
  private final DatagramSocket udp;

  DnsProbe(NetnsExecutor netns) throws IOException {
    this.netns = netns;
    this.udp = netns.call(DatagramSocket::new);
    udp.setSoTimeout(1000);
  }

  static byte[] query(String name, int ednsPayload) throws IOException {
    Message q = Message.newQuery(Record.newRecord(Name.fromString(name), Type.AAAA, DClass.IN));
    if (ednsPayload > 0) {
      q.addRecord(new OPTRecord(ednsPayload, 0, 0), Section.ADDITIONAL);
    }
    return q.toWire();
  }

  /** One UDP exchange; the answer's wire bytes, or null on a timeout. */
  byte[] udp(byte[] query) throws IOException {
    udp.send(new DatagramPacket(query, query.length, EDGE));
    byte[] buf = new byte[65535];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    try {
      udp.receive(p);
    } catch (SocketTimeoutException e) {
      return null;
    }
    return Arrays.copyOf(buf, p.getLength());
  }

  /** One TCP exchange (the length prefix not counted). */
  byte[] tcp(byte[] query) {
    return netns.call(
        () -> {
          try (SocketChannel ch = SocketChannel.open(EDGE)) {
            ByteBuffer out = ByteBuffer.allocate(2 + query.length);
            out.putShort((short) query.length).put(query).flip();
            while (out.hasRemaining()) {
              ch.write(out);
            }
            ByteBuffer len = ByteBuffer.allocate(2);
            readFully(ch, len);
            ByteBuffer body = ByteBuffer.allocate(len.flip().getShort() & 0xffff);
            readFully(ch, body);
            return body.array();
          }
        });
  }

  private static void readFully(SocketChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        throw new IOException("edge closed the connection");
      }
    }
  }

  /** Whether the answer to {@code query} holds {@code address}. */
  boolean answers(byte[] query, SixpnAddress address) throws IOException {
    byte[] wire = udp(query);
    if (wire == null) {
      return false;
    }
    return new Message(wire)
        .getSection(Section.ANSWER).stream()
            .anyMatch(
                r -> r instanceof AAAARecord a && a.getAddress().equals(address.toInetAddress()));
  }

  static int answerCount(byte[] wire) throws IOException {
    return new Message(wire).getSection(Section.ANSWER).size();
  }

  static boolean truncated(byte[] wire) throws IOException {
    return new Message(wire).getHeader().getFlag(Flags.TC);
  }

  @Override
  public void close() {
    udp.close();
  }
}
