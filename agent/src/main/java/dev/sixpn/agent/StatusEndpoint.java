package dev.sixpn.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.sixpn.dataplane.Dataplane;
import dev.sixpn.dataplane.bpf.BpfMap;
import dev.sixpn.dataplane.wireguard.DeviceState;
import dev.sixpn.dataplane.wireguard.PeerConfig;
import dev.sixpn.dataplane.wireguard.PeerStats;
import dev.sixpn.dataplane.wireguard.WgKey;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import dev.sixpn.state.StateReader;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code GET /status} on the metrics port: what {@code sixpn status} shows that the metrics do not
 * carry — this host's instances, its WireGuard peers with their handshakes and byte counters, and
 * how full the maps are — as one JSON object. Every other path answers 404.
 */
final class StatusEndpoint implements HttpHandler {

  static final String PATH = "/status";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final long host;
  private final StateReader state;
  private final Supplier<Optional<Dataplane>> dataplane;

  StatusEndpoint(long host, StateReader state, Supplier<Optional<Dataplane>> dataplane) {
    this.host = host;
    this.state = state;
    this.dataplane = dataplane;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals(PATH)) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      byte[] body = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(status());
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  ObjectNode status() {
    ObjectNode root = JSON.createObjectNode();
    root.put("host", host);
    state.host(host).ifPresent(h -> root.put("region", h.region()));
    ArrayNode instances = root.putArray("instances");
    for (Instance i :
        state.instancesOnHost(host).stream()
            .sorted(Comparator.comparing(Instance::instanceId))
            .toList()) {
      instances
          .addObject()
          .put("instanceId", i.instanceId())
          .put("network", i.network())
          .put("app", i.app())
          .put("region", i.region())
          .put("address", i.address().toString())
          .put("status", i.status().name().toLowerCase(java.util.Locale.ROOT));
    }
    Optional<Dataplane> d = dataplane.get();
    if (d.isPresent()) {
      root.set("dataplane", dataplane(d.get()));
    }
    return root;
  }

  private ObjectNode dataplane(Dataplane d) {
    ObjectNode out = JSON.createObjectNode();
    ObjectNode maps = out.putObject("maps");
    fill(maps, d.maps().links());
    fill(maps, d.maps().locals());
    out.put("dropEventsSuppressed", d.maps().dropRate().suppressed());
    ObjectNode wg = out.putObject("wireguard");
    wg.put("device", d.config().wgDevice());
    ArrayNode peers = wg.putArray("peers");
    try {
      DeviceState s = d.device().state();
      Map<String, Long> hostOfKey = new java.util.HashMap<>();
      for (Host h : state.hosts()) {
        hostOfKey.put(h.wireguardPublicKey(), h.host());
      }
      for (Map.Entry<WgKey, PeerConfig> e : s.peers().entrySet()) {
        String key = e.getKey().base64();
        PeerStats st = s.stats().getOrDefault(e.getKey(), new PeerStats(0, 0, 0));
        ObjectNode p = peers.addObject();
        p.put("publicKey", key);
        if (hostOfKey.containsKey(key)) {
          p.put("host", hostOfKey.get(key));
        }
        p.put(
            "endpoint",
            e.getValue().endpoint() == null ? null : e.getValue().endpoint().toString());
        ArrayNode allowed = p.putArray("allowedIps");
        e.getValue().allowedIps().forEach(allowed::add);
        p.put("lastHandshakeEpochSeconds", st.lastHandshakeEpochSeconds());
        p.put("rxBytes", st.rxBytes());
        p.put("txBytes", st.txBytes());
      }
    } catch (RuntimeException e) {
      wg.put("error", e.getMessage());
    }
    return out;
  }

  private static void fill(ObjectNode maps, BpfMap<?, ?> map) {
    maps.putObject(map.name())
        .put("entries", map.keys().size())
        .put("maxEntries", map.info().maxEntries());
  }
}
