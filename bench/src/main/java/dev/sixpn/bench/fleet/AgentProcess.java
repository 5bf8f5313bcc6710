package dev.sixpn.bench.fleet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The real agent as seen from outside: its CPU and RSS from /proc (the JVM's threads are all in its
 * own stat, children such as wireguard-go are not), its counters from its metrics port.
 */
final class AgentProcess {

  private final Process process;
  private final URI metrics;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  AgentProcess(Process process, String metricsHostPort) {
    this.process = process;
    this.metrics = URI.create("http://" + metricsHostPort + "/metrics");
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** utime + stime of the process, in seconds. */
  double cpuSeconds() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }

  /** CPU seconds of the process's live threads, grouped by name with digits dropped. */
  java.util.Map<String, Double> cpuByThread() throws IOException {
    java.util.Map<String, Double> byName = new java.util.TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid()), "task"))) {
      for (Path t : tasks.toList()) {
        try {
          String name = Files.readString(t.resolve("comm")).strip().replaceAll("[0-9]+", "#");
          String stat = Files.readString(t.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          byName.merge(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0, Double::sum);
        } catch (IOException e) {
          // the thread ended while we looked
        }
      }
    }
    return byName;
  }

  long rssKib() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException("no VmRSS for " + pid());
  }

  /** The sum of a metric's samples (all label sets), or -1 if the agent does not serve it. */
  double metric(String name) throws IOException, InterruptedException {
    String text =
        http.send(
                HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    double sum = 0;
    boolean seen = false;
    for (String line : text.split("\n")) {
      if (line.startsWith(name)
          && (line.charAt(name.length()) == ' ' || line.charAt(name.length()) == '{')) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        seen = true;
      }
    }
    return seen ? sum : -1;
  }

  long folded() throws IOException, InterruptedException {
    return (long) metric("sixpn_projector_events_folded_total");
  }

  /** Waits until the agent folded at least {@code events} records. */
  void awaitFolded(long events, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (folded() < events) {
      if (!alive()) {
        throw new IllegalStateException("agent exited");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "agent folded " + folded() + " of " + events + " within " + timeout);
      }
      Thread.sleep(100);
    }
  }
}
