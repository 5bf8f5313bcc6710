package dev.sixpn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sixpn status}: a running agent, read from its metrics port ({@code /metrics}, {@code
 * /readyz} where the agent serves it, and {@code /status}) and printed for a person, or as JSON.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Shows a running agent: caught up or not, lag per partition, how old the last event is,"
          + " this host's instances, WireGuard peers (last handshake, bytes), how full the maps are,"
          + " drops by reason and reconcile failures. Reads the agent's metrics port."
    })
final class StatusCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--agent",
      defaultValue = "127.0.0.1:9464",
      description = "The agent's metrics address, host:port (default: ${DEFAULT-VALUE}).")
  String agent;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec cli;

  @Override
  public Integer call() throws Exception {
    URI base = base();
    ObjectNode status;
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()) {
      HttpResponse<String> metrics = get(http, base.resolve("/metrics"));
      if (metrics.statusCode() != 200) {
        throw new IllegalStateException(
            base + "/metrics answered " + metrics.statusCode() + " (is it a sixpn agent?)");
      }
      HttpResponse<String> ready = get(http, base.resolve("/readyz"));
      HttpResponse<String> detail = get(http, base.resolve("/status"));
      status =
          summarize(
              agent,
              PrometheusText.parse(metrics.body()),
              ready.statusCode(),
              detail.statusCode() == 200 ? JSON.readTree(detail.body()) : null,
              System.currentTimeMillis() / 1000.0);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot reach the agent at "
              + agent
              + " ("
              + e
              + "); is it running with --metrics "
              + agent
              + "?",
          e);
    }
    PrintWriter out = cli.commandLine().getOut();
    if (json) {
      out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(status));
    } else {
      print(status, out);
    }
    return 0;
  }

  private URI base() {
    int colon = agent.lastIndexOf(':');
    if (colon < 1 || colon == agent.length() - 1) {
      throw new SixpnCommand.UsageException("--agent must be host:port, got '" + agent + "'");
    }
    try {
      int port = Integer.parseInt(agent.substring(colon + 1));
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
      return URI.create("http://" + agent);
    } catch (IllegalArgumentException e) {
      throw new SixpnCommand.UsageException("--agent must be host:port, got '" + agent + "'");
    }
  }

  private static HttpResponse<String> get(HttpClient http, URI uri)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The status as one JSON object, from the samples of /metrics, /readyz's status code (404: the
   * agent has none, so "caught up" is every partition's lag being 0) and /status (null if absent).
   */
  static ObjectNode summarize(
      String agent,
      List<PrometheusText.Sample> samples,
      int readyStatus,
      JsonNode detail,
      double nowSeconds) {
    ObjectNode s = JSON.createObjectNode();
    s.put("agent", agent);
    Map<Integer, Long> lag = new TreeMap<>();
    Map<String, Long> drops = new TreeMap<>();
    Map<String, Long> failures = new TreeMap<>();
    ObjectNode ages = JSON.createObjectNode();
    for (PrometheusText.Sample x : samples) {
      String n = x.name();
      if (n.equals("sixpn_projector_lag_records")) {
        lag.put(Integer.parseInt(x.label("partition")), (long) x.value());
      } else if (n.equals("sixpn_dataplane_drops_total") && x.value() > 0) {
        drops.put(x.label("reason"), (long) x.value());
      } else if (n.equals("sixpn_dataplane_reconcile_failures_total") && x.value() > 0) {
        failures.merge(x.label("object") + "/" + x.label("reason"), (long) x.value(), Long::sum);
      } else if (n.startsWith("sixpn_") && n.endsWith("_timestamp_seconds") && x.value() > 0) {
        // Every "when did X last happen" the agent exports (the last commit of the projector, and
        // whatever contact times it adds), shown as an age.
        ages.put(
            n.substring("sixpn_".length(), n.length() - "_timestamp_seconds".length()),
            Math.max(0, nowSeconds - x.value()));
      } else if (n.startsWith("sixpn_") && n.endsWith("_age_seconds")) {
        ages.put(n.substring("sixpn_".length(), n.length() - "_seconds".length()), x.value());
      }
    }
    boolean lagZero = !lag.isEmpty() && lag.values().stream().allMatch(l -> l == 0);
    s.put("caughtUp", readyStatus == 404 ? lagZero : readyStatus == 200);
    s.put("readiness", readyStatus == 404 ? "lag" : "readyz");
    ObjectNode lagNode = s.putObject("lagRecords");
    lag.forEach((p, l) -> lagNode.put(Integer.toString(p), l));
    s.set("agesSeconds", ages);
    if (detail != null) {
      s.set("host", detail.get("host"));
      if (detail.has("region")) {
        s.set("region", detail.get("region"));
      }
      s.set("instances", detail.get("instances"));
      if (detail.has("dataplane")) {
        s.set("dataplane", detail.get("dataplane"));
      }
    }
    ObjectNode dropNode = s.putObject("drops");
    drops.forEach(dropNode::put);
    ObjectNode failNode = s.putObject("reconcileFailures");
    failures.forEach(failNode::put);
    return s;
  }

  static void print(JsonNode s, PrintWriter out) {
    String where = s.has("host") ? "host " + s.get("host").asLong() : "agent";
    if (s.has("region")) {
      where += " (" + s.get("region").asText() + ")";
    }
    out.println("sixpn agent at " + s.get("agent").asText() + ": " + where);
    long behind = 0;
    StringBuilder parts = new StringBuilder();
    for (Map.Entry<String, JsonNode> e : s.get("lagRecords").properties()) {
      behind += e.getValue().asLong();
      if (e.getValue().asLong() > 0) {
        parts.append(" p").append(e.getKey()).append('=').append(e.getValue().asLong());
      }
    }
    out.printf(
        "  projector:  %s, lag %d record(s) over %d partition(s)%s%n",
        s.get("caughtUp").asBoolean() ? "caught up" : "NOT caught up",
        behind,
        s.get("lagRecords").size(),
        parts.isEmpty() ? "" : ":" + parts);
    for (Map.Entry<String, JsonNode> e : s.get("agesSeconds").properties()) {
      out.printf("  %-11s %s ago%n", e.getKey().replace('_', ' ') + ":", age(e.getValue()));
    }
    JsonNode instances = s.get("instances");
    if (instances != null) {
      out.println("  instances:  " + instances.size() + " on this host");
      for (JsonNode i : instances) {
        out.printf(
            "    %-24s %-22s network %-4d %-38s %s%n",
            i.get("instanceId").asText(),
            i.get("app").asText(),
            i.get("network").asLong(),
            i.get("address").asText(),
            i.get("status").asText());
      }
    }
    JsonNode d = s.get("dataplane");
    if (d != null) {
      JsonNode wg = d.get("wireguard");
      JsonNode peers = wg.get("peers");
      out.println(
          "  wireguard:  "
              + wg.get("device").asText()
              + ", "
              + peers.size()
              + " peer(s)"
              + (wg.has("error") ? " (device: " + wg.get("error").asText() + ")" : ""));
      long now = System.currentTimeMillis() / 1000;
      for (JsonNode p : peers) {
        long hs = p.get("lastHandshakeEpochSeconds").asLong();
        out.printf(
            "    %s %s  endpoint %s  handshake %s  rx %s  tx %s%n",
            p.has("host") ? "host " + p.get("host").asLong() : "peer",
            p.get("publicKey").asText().substring(0, 8) + "…",
            p.get("endpoint").isNull() ? "-" : p.get("endpoint").asText(),
            hs == 0 ? "never" : age(JSON.getNodeFactory().numberNode(now - hs)) + " ago",
            bytes(p.get("rxBytes").asLong()),
            bytes(p.get("txBytes").asLong()));
      }
      StringBuilder maps = new StringBuilder();
      for (Map.Entry<String, JsonNode> m : d.get("maps").properties()) {
        maps.append(maps.isEmpty() ? "" : ", ")
            .append(m.getKey())
            .append(' ')
            .append(m.getValue().get("entries").asLong())
            .append('/')
            .append(m.getValue().get("maxEntries").asLong());
      }
      out.println("  maps:       " + maps);
      out.println(
          "  drop events held back (rate bound or full ring): "
              + d.get("dropEventsSuppressed").asLong());
    }
    out.println("  drops:      " + counts(s.get("drops")));
    out.println(
        "  reconcile:  "
            + (s.get("reconcileFailures").isEmpty()
                ? "no failures"
                : "failures " + counts(s.get("reconcileFailures"))));
  }

  private static String counts(JsonNode node) {
    if (node.isEmpty()) {
      return "none";
    }
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      b.append(b.isEmpty() ? "" : ", ")
          .append(e.getKey())
          .append(' ')
          .append(e.getValue().asLong());
    }
    return b.toString();
  }

  private static String age(JsonNode seconds) {
    double v = seconds.asDouble();
    return v < 60 ? String.format("%.1f s", v) : String.format("%.0f min", v / 60);
  }

  private static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    return n < 1 << 20
        ? String.format("%.1f KiB", n / 1024.0)
        : String.format("%.1f MiB", n / 1048576.0);
  }
}
