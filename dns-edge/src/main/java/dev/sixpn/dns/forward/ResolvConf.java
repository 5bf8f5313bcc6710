package dev.sixpn.dns.forward;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the {@code nameserver} lines of a resolv.conf (resolv.conf(5)); other lines are ignored.
 */
public final class ResolvConf {

  public static final Path DEFAULT = Path.of("/etc/resolv.conf");

  private ResolvConf() {}

  /** The nameservers of the file, port 53, in file order; empty if the file cannot be read. */
  public static List<InetSocketAddress> nameservers(Path file) {
    try {
      return parse(Files.readAllLines(file));
    } catch (IOException e) {
      return List.of();
    }
  }

  static List<InetSocketAddress> parse(List<String> lines) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String line : lines) {
      String t = line.strip();
      if (!t.startsWith("nameserver")) {
        continue;
      }
      String[] parts = t.split("\\s+");
      if (parts.length < 2) {
        continue;
      }
      String literal = parts[1];
      int zone = literal.indexOf('%');
      if (zone >= 0) {
        // scoped link-local: the JDK literal parser does not take zone ids; such servers are rare
        continue;
      }
      try {
        out.add(new InetSocketAddress(InetAddress.ofLiteral(literal), 53));
      } catch (IllegalArgumentException notAnAddress) {
        // resolv.conf allows only literals; skip a bad line as the C resolver does
      }
    }
    return List.copyOf(out);
  }
}
