package dev.sixpn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import java.util.List;
import java.util.Map;

/** The projected state as JSON, by network: what {@code sixpn state dump} prints. */
final class StateDump {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private StateDump() {}

  /**
   * @param onlyNetwork a network id, or {@code null} for every network
   */
  static String toJson(StateStore store, Long onlyNetwork) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode offsets = root.putObject("offsets");
    store.offsets().forEach((p, o) -> offsets.put(Integer.toString(p), o));
    ArrayNode networks = root.putArray("networks");
    List<Long> ids = onlyNetwork == null ? store.networks() : List.of(onlyNetwork);
    for (long n : ids) {
      ObjectNode net = networks.addObject();
      net.put("network", n);
      var name = store.networkName(n);
      net.put("exists", name.isPresent());
      name.ifPresent(x -> net.put("name", x));
      ArrayNode apps = net.putArray("apps");
      for (String app : store.state().appsOfNetwork(n)) {
        ObjectNode a = apps.addObject();
        a.put("app", app);
        ArrayNode instances = a.putArray("instances");
        for (Instance i : store.state().instancesOfApp(n, app, true)) {
          ObjectNode o = instances.addObject();
          o.put("id", i.instanceId());
          o.put("status", i.status().name().toLowerCase(java.util.Locale.ROOT));
          o.put("address", i.address().toString());
          o.put("host", i.host());
          o.put("region", i.region());
          o.put("processGroup", i.processGroup());
          o.put("hostAccess", i.hostAccess());
          ObjectNode meta = o.putObject("metadata");
          for (Map.Entry<String, String> e : i.metadata().entrySet()) {
            meta.put(e.getKey(), e.getValue());
          }
          if (!i.checks().isEmpty()) {
            o.put("health", i.health().wireName());
            ObjectNode checks = o.putObject("checks");
            i.checks().forEach((c, st) -> checks.put(c, st.wireName()));
          }
        }
      }
    }
    ArrayNode hosts = root.putArray("hosts");
    for (Host h : store.state().hosts()) {
      hosts.add(JSON.valueToTree(h));
    }
    root.put("quarantined", store.quarantined().size());
    root.put("digest", store.digest());
    try {
      return JSON.writeValueAsString(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
