package dev.sixpn.dns.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * A scripted upstream resolver on 127.0.0.1 (UDP and TCP on the same port): {@code *.example.}
 * answers A 192.0.2.1; names starting {@code silent} get no answer; names starting {@code big} get
 * 100 A records, truncated (TC, empty) over UDP and complete over TCP.
 */
public final class FakeUpstream implements AutoCloseable {

  private final DatagramSocket udp;
  private final ServerSocket tcp;
  public final AtomicInteger udpQueries = new AtomicInteger();
  public final AtomicInteger tcpQueries = new AtomicInteger();

  public FakeUpstream() throws IOException {
    udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    tcp = new ServerSocket(udp.getLocalPort(), 50, InetAddress.getByName("127.0.0.1"));
    Thread.ofVirtual().start(this::serveUdp);
    Thread.ofVirtual().start(this::serveTcp);
  }

  public InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", udp.getLocalPort());
  }

  private void serveUdp() {
    byte[] buf = new byte[65535];
    while (!udp.isClosed()) {
      try {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        udp.receive(p);
        udpQueries.incrementAndGet();
        byte[] answer = answer(Arrays.copyOf(buf, p.getLength()), false);
        if (answer != null) {
          udp.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
        }
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serveTcp() {
    while (!tcp.isClosed()) {
      try (Socket s = tcp.accept()) {
        tcpQueries.incrementAndGet();
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] q = new byte[in.readUnsignedShort()];
        in.readFully(q);
        byte[] answer = answer(q, true);
        if (answer != null) {
          DataOutputStream out = new DataOutputStream(s.getOutputStream());
          out.writeShort(answer.length);
          out.write(answer);
          out.flush();
        }
      } catch (IOException e) {
        if (tcp.isClosed()) {
          return;
        }
      }
    }
  }

  private static byte[] answer(byte[] wire, boolean overTcp) throws IOException {
    Message q = new Message(wire);
    Record question = q.getQuestion();
    String first = question.getName().getLabelString(0).toLowerCase();
    if (first.startsWith("silent")) {
      return null;
    }
    Message r = new Message(q.getHeader().getID());
    r.getHeader().setFlag(Flags.QR);
    r.getHeader().setFlag(Flags.RA);
    r.getHeader().setFlag(Flags.RD);
    r.addRecord(question, Section.QUESTION);
    Name name = question.getName();
    if (first.startsWith("big")) {
      if (!overTcp) {
        r.getHeader().setFlag(Flags.TC);
        return r.toWire();
      }
      for (int i = 0; i < 100; i++) {
        r.addRecord(
            new ARecord(
                name,
                DClass.IN,
                60,
                InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, (byte) i})),
            Section.ANSWER);
      }
      return r.toWire();
    }
    if (name.subdomain(Name.fromConstantString("example."))) {
      r.addRecord(
          new ARecord(name, DClass.IN, 60, InetAddress.getByName("192.0.2.1")), Section.ANSWER);
    } else {
      r.getHeader().setRcode(Rcode.NXDOMAIN);
    }
    return r.toWire();
  }

  @Override
  public void close() throws IOException {
    udp.close();
    tcp.close();
  }
}
