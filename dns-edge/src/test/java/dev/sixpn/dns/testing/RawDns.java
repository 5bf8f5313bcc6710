package dev.sixpn.dns.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/** A bare-socket DNS client: sends exactly the bytes given, returns exactly the bytes received. */
public final class RawDns {

  private RawDns() {}

  /** The response datagram, or null if none arrived within {@code timeoutMillis}. */
  public static byte[] udp(InetSocketAddress server, byte[] query, int timeoutMillis)
      throws IOException {
    try (DatagramSocket s =
        new DatagramSocket(
            new InetSocketAddress(
                server.getAddress() instanceof java.net.Inet6Address ? "::1" : "127.0.0.1", 0))) {
      s.setSoTimeout(timeoutMillis);
      s.send(new DatagramPacket(query, query.length, server));
      byte[] buf = new byte[65535];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        s.receive(p);
      } catch (SocketTimeoutException e) {
        return null;
      }
      return Arrays.copyOf(buf, p.getLength());
    }
  }

  public static byte[] tcp(InetSocketAddress server, byte[] query, int timeoutMillis)
      throws IOException {
    try (Socket s = new Socket()) {
      s.connect(server, timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeShort(query.length);
      out.write(query);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      int len = in.readUnsignedShort();
      byte[] r = new byte[len];
      in.readFully(r);
      return r;
    }
  }
}
