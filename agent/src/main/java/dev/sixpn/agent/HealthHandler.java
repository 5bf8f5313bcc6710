package dev.sixpn.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * {@code /healthz} and {@code /readyz} beside {@code /metrics}, as the metrics server's default
 * handler (it gets every path the server does not serve itself). Plain text: 200 when fine, 503
 * with what fails.
 */
final class HealthHandler implements HttpHandler {

  private final BooleanSupplier alive;
  private final Readiness readiness;
  private final HttpHandler others;

  /**
   * @param alive whether the agent still does its work (its projector thread runs)
   * @param others answers every other path (e.g. {@code /status})
   */
  HealthHandler(BooleanSupplier alive, Readiness readiness, HttpHandler others) {
    this.alive = alive;
    this.readiness = readiness;
    this.others = others;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    if (!path.equals("/healthz") && !path.equals("/readyz")) {
      others.handle(exchange);
      return;
    }
    try (exchange) {
      if (path.equals("/healthz")) {
        boolean ok = alive.getAsBoolean();
        respond(exchange, ok ? 200 : 503, ok ? "ok\n" : "projector thread stopped\n");
      } else {
        List<String> failing = readiness.failing();
        respond(
            exchange,
            failing.isEmpty() ? 200 : 503,
            failing.isEmpty()
                ? "ready\n"
                : "not ready, failing: " + String.join(", ", failing) + "\n");
      }
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
