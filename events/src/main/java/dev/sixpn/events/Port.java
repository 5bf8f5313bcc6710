package dev.sixpn.events;

import java.util.Locale;

/**
 * A named port an instance serves, answered as SRV at {@code _<name>._<protocol>.<app>.internal}
 * (RFC 2782).
 *
 * @param name the service's name, a DNS label (the SRV name's first label without its {@code _})
 * @param port 1-65535
 * @param protocol {@code tcp} or {@code udp}
 */
public record Port(String name, int port, String protocol) {

  public Port {
    Validate.label("ports.name", name);
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("ports.port must be 1-65535, got " + port);
    }
    Validate.notNull("ports.protocol", protocol);
    if (!protocol.equals("tcp") && !protocol.equals("udp")) {
      throw new IllegalArgumentException(
          "ports.protocol must be tcp or udp, got '" + protocol + "'");
    }
  }

  /**
   * Parses {@code name=port/protocol} (protocol {@code tcp} when left out), the form of {@code
   * sixpn publish instance-start --port}.
   */
  public static Port parse(String spec) {
    int eq = spec.indexOf('=');
    if (eq < 0) {
      throw new IllegalArgumentException("port must be name=port[/tcp|udp], got '" + spec + "'");
    }
    String rest = spec.substring(eq + 1);
    int slash = rest.indexOf('/');
    String number = slash < 0 ? rest : rest.substring(0, slash);
    String protocol = slash < 0 ? "tcp" : rest.substring(slash + 1).toLowerCase(Locale.ROOT);
    int port;
    try {
      port = Integer.parseInt(number);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("ports.port must be 1-65535, got '" + number + "'");
    }
    return new Port(spec.substring(0, eq), port, protocol);
  }
}
