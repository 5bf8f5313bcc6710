package dev.sixpn.agent.health;

import dev.sixpn.events.HealthStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One check of {@code sixpn run --check}: {@code tcp:PORT} (a connection is accepted) or {@code
 * http://HOST:PORT/PATH} (a GET answers 2xx; 429 is a warning, as in Consul; anything else, or no
 * answer within the timeout, is critical). The check connects to the instance's own private address
 * from inside its network namespace, so it sees what other instances would; the URL's host is only
 * sent as {@code Host}.
 *
 * @param name the check's name in {@code instance.health}: {@code tcp-<port>} or {@code
 *     http-<port>}
 * @param http true for an HTTP check
 * @param port 1-65535
 * @param path the request target of an HTTP check ({@code /} when the URL has none)
 * @param hostHeader the URL's authority, for {@code Host}
 */
public record HealthCheck(String name, boolean http, int port, String path, String hostHeader) {

  public HealthCheck {
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("--check port must be 1-65535, got " + port);
    }
  }

  /**
   * Parses {@code tcp:PORT} or {@code http://HOST:PORT/PATH}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static HealthCheck parse(String spec) {
    if (spec.startsWith("tcp:")) {
      int port = port(spec.substring(4), spec);
      return new HealthCheck("tcp-" + port, false, port, "", "");
    }
    if (spec.startsWith("http://")) {
      URI uri;
      try {
        uri = new URI(spec);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("--check '" + spec + "' is not a URL: " + e.getReason());
      }
      int port = uri.getPort() == -1 ? 80 : uri.getPort();
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      if (uri.getRawQuery() != null) {
        path += "?" + uri.getRawQuery();
      }
      String host = uri.getHost() == null ? "localhost" : uri.getHost();
      return new HealthCheck("http-" + port, true, port, path, host);
    }
    throw new IllegalArgumentException(
        "--check must be tcp:PORT or http://HOST:PORT/PATH, got '" + spec + "'");
  }

  private static int port(String text, String spec) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--check '" + spec + "': port must be 1-65535");
    }
  }

  /** Runs the check once against {@code address}, on the calling thread (and its namespace). */
  public HealthStatus probe(InetAddress address, Duration timeout) {
    int ms = (int) Math.max(1, timeout.toMillis());
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, port), ms);
      if (!http) {
        return HealthStatus.PASSING;
      }
      s.setSoTimeout(ms);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET "
                  + path
                  + " HTTP/1.1\r\nHost: "
                  + hostHeader
                  + "\r\nUser-Agent: sixpn-check\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return ofStatusLine(statusLine(s.getInputStream()));
    } catch (IOException e) {
      return HealthStatus.CRITICAL;
    }
  }

  /** The HTTP status line's meaning: 2xx passing, 429 warning, else critical. */
  static HealthStatus ofStatusLine(String line) {
    // "HTTP/1.1 200 OK"
    String[] parts = line.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      return HealthStatus.CRITICAL;
    }
    int code;
    try {
      code = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      return HealthStatus.CRITICAL;
    }
    if (code >= 200 && code < 300) {
      return HealthStatus.PASSING;
    }
    return code == 429 ? HealthStatus.WARNING : HealthStatus.CRITICAL;
  }

  private static String statusLine(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n' && b.length() < 256) {
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }
}
