package dev.sixpn.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import dev.sixpn.events.HealthStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Checks against real sockets on loopback; the monitor with the calling thread as namespace. */
class HealthCheckTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  @Test
  void parse_tcpAndHttp_nameByKindAndPort() {
    assertEquals(new HealthCheck("tcp-6379", false, 6379, "", ""), HealthCheck.parse("tcp:6379"));
    assertEquals(
        new HealthCheck("http-8080", true, 8080, "/healthz?deep=1", "web"),
        HealthCheck.parse("http://web:8080/healthz?deep=1"));
    assertEquals(
        new HealthCheck("http-80", true, 80, "/", "localhost"), HealthCheck.parse("http://:80"));
    assertThrows(IllegalArgumentException.class, () -> HealthCheck.parse("https://x/"));
    assertThrows(IllegalArgumentException.class, () -> HealthCheck.parse("tcp:70000"));
  }

  @Test
  void probe_http_2xxPassing_429Warning_elseCritical() throws Exception {
    AtomicInteger status = new AtomicInteger(200);
    HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
    server.createContext(
        "/healthz",
        x -> {
          x.sendResponseHeaders(status.get(), -1);
          x.close();
        });
    server.start();
    try {
      HealthCheck check =
          HealthCheck.parse("http://web:" + server.getAddress().getPort() + "/healthz");
      assertEquals(HealthStatus.PASSING, check.probe(LOOPBACK, TIMEOUT));
      status.set(204);
      assertEquals(HealthStatus.PASSING, check.probe(LOOPBACK, TIMEOUT));
      status.set(429);
      assertEquals(HealthStatus.WARNING, check.probe(LOOPBACK, TIMEOUT));
      status.set(503);
      assertEquals(HealthStatus.CRITICAL, check.probe(LOOPBACK, TIMEOUT));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void probe_tcp_acceptedPassing_refusedCritical() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      port = s.getLocalPort();
      assertEquals(HealthStatus.PASSING, HealthCheck.parse("tcp:" + port).probe(LOOPBACK, TIMEOUT));
    }
    assertEquals(HealthStatus.CRITICAL, HealthCheck.parse("tcp:" + port).probe(LOOPBACK, TIMEOUT));
  }

  @Test
  void probe_httpWithoutAnswer_criticalAfterTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 1, LOOPBACK)) {
      HealthCheck check = HealthCheck.parse("http://x:" + silent.getLocalPort() + "/");
      long t0 = System.nanoTime();
      assertEquals(HealthStatus.CRITICAL, check.probe(LOOPBACK, Duration.ofMillis(200)));
      assertEquals(true, System.nanoTime() - t0 < Duration.ofSeconds(2).toNanos());
    }
  }

  @Test
  void monitor_reportsUncheckedCritical_thenOnlyChanges() throws Exception {
    List<String> reports = new ArrayList<>();
    ServerSocket server = new ServerSocket(0, 1, LOOPBACK);
    int port = server.getLocalPort();
    HealthMonitor m =
        new HealthMonitor(
            List.of(HealthCheck.parse("tcp:" + port)),
            LOOPBACK,
            Duration.ofMillis(50),
            TIMEOUT,
            probe -> probe.call(),
            (check, s) -> reports.add(check + "=" + s.wireName()));
    m.reportUnchecked();
    m.checkOnce();
    m.checkOnce();
    server.close();
    m.checkOnce();
    m.checkOnce();
    assertEquals(
        List.of(
            "tcp-" + port + "=critical", "tcp-" + port + "=passing", "tcp-" + port + "=critical"),
        reports);
  }

  @Test
  void monitor_failedReport_isRetriedNextRound() throws Exception {
    List<String> reports = new ArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    HealthMonitor m =
        new HealthMonitor(
            List.of(HealthCheck.parse("tcp:1")),
            LOOPBACK,
            Duration.ofMillis(50),
            TIMEOUT,
            probe -> HealthStatus.WARNING,
            (check, s) -> {
              if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("broker away");
              }
              reports.add(s.wireName());
            });
    m.checkOnce();
    m.checkOnce();
    m.checkOnce();
    assertEquals(List.of("warning"), reports);
  }
}
