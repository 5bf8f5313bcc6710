package dev.sixpn.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValidationTest {

  private static final java.time.Instant T = SampleEvents.T;

  private static void rejects(String messageStart, Executable e) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertTrue(ex.getMessage().startsWith(messageStart), ex.getMessage());
  }

  private static LifecycleEvent.InstanceStarted started(
      String id, String app, String group, String region, SixpnAddress a) {
    return new LifecycleEvent.InstanceStarted("e", T, id, 1, app, group, 7, region, a, Map.of());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-bagel", "bagel-", "Bagel", "bag_el", "bagel.43", "bägel"})
  void label_rejectsNonLabels(String app) {
    rejects("app must be", () -> new LifecycleEvent.AppCreated("e", T, 1, app));
  }

  @Test
  void label_rejectsOver63() {
    rejects(
        "app must be at most 63", () -> new LifecycleEvent.AppCreated("e", T, 1, "a".repeat(64)));
    new LifecycleEvent.AppCreated("e", T, 1, "a".repeat(63));
  }

  @Test
  void instanceStarted_validatesEveryLabelField() {
    SixpnAddress a = SixpnAddress.ofInstance(1, 7, 1);
    rejects("instanceId must be", () -> started("I", "app", "app", "nrt", a));
    rejects("app must be", () -> started("i", "A", "app", "nrt", a));
    rejects("processGroup must be", () -> started("i", "app", "-", "nrt", a));
    rejects("region must be", () -> started("i", "app", "app", "NRT", a));
    rejects("region 'regions' is reserved", () -> started("i", "app", "app", "regions", a));
    rejects("address is required", () -> started("i", "app", "app", "nrt", null));
  }

  @Test
  void instanceStarted_addressMustAgreeWithFields() {
    rejects(
        "address fdaa:0:2:0:7:0:1:2 is in network 2",
        () -> started("i", "app", "app", "nrt", SixpnAddress.ofInstance(2, 7, 1)));
    rejects(
        "address fdaa:0:1:0:8:0:1:2 is on host 8",
        () -> started("i", "app", "app", "nrt", SixpnAddress.ofInstance(1, 8, 1)));
    rejects(
        "address fdaa:0:1:0:7::3 is not an instance",
        () -> started("i", "app", "app", "nrt", new SixpnAddress(1, 7, 0, 3)));
  }

  @Test
  void instanceStarted_boundsMetadata() {
    Map<String, String> big = new HashMap<>();
    for (int i = 0; i < 33; i++) {
      big.put("k" + i, "v");
    }
    SixpnAddress a = SixpnAddress.ofInstance(1, 7, 1);
    rejects(
        "metadata must have at most 32",
        () -> new LifecycleEvent.InstanceStarted("e", T, "i", 1, "app", "app", 7, "nrt", a, big));
    rejects(
        "metadata entry",
        () ->
            new LifecycleEvent.InstanceStarted(
                "e", T, "i", 1, "app", "app", 7, "nrt", a, Map.of("k", "v".repeat(256))));
    assertEquals(
        Map.of(),
        new LifecycleEvent.InstanceStarted("e", T, "i", 1, "app", "app", 7, "nrt", a, null)
            .metadata());
  }

  @Test
  void port_validatesNamePortAndProtocol() {
    assertEquals(new Port("http", 8080, "tcp"), Port.parse("http=8080/tcp"));
    assertEquals(new Port("dns", 53, "udp"), Port.parse("dns=53/UDP"));
    assertEquals(new Port("redis", 6379, "tcp"), Port.parse("redis=6379"));
    rejects("ports.name must be", () -> new Port("_http", 80, "tcp"));
    rejects("ports.name is required", () -> new Port(null, 80, "tcp"));
    rejects("ports.port must be 1-65535", () -> new Port("http", 0, "tcp"));
    rejects("ports.port must be 1-65535", () -> new Port("http", 65_536, "tcp"));
    rejects("ports.protocol must be tcp or udp", () -> new Port("http", 80, "sctp"));
    rejects("ports.port must be 1-65535", () -> Port.parse("http=x/tcp"));
    rejects("port must be name=port", () -> Port.parse("8080"));
  }

  @Test
  void instanceStarted_boundsPortsAndNamesEachOnce() {
    List<Port> seventeen = new java.util.ArrayList<>();
    for (int i = 0; i < 17; i++) {
      seventeen.add(new Port("p" + i, 1000 + i, "tcp"));
    }
    rejects("ports must have at most 16", () -> EventCodecTest.withPorts(seventeen));
    assertEquals(16, EventCodecTest.withPorts(seventeen.subList(0, 16)).ports().size());
    rejects(
        "ports must name each service once",
        () ->
            EventCodecTest.withPorts(
                List.of(new Port("http", 80, "tcp"), new Port("http", 8080, "tcp"))));
    assertEquals(
        2,
        EventCodecTest.withPorts(List.of(new Port("dns", 53, "tcp"), new Port("dns", 53, "udp")))
            .ports()
            .size(),
        "one name over both protocols");
  }

  @Test
  void ids_areBounded() {
    rejects("network must be in 1..4294967295", () -> new LifecycleEvent.NetworkDeleted("e", T, 0));
    rejects(
        "network must be in 1..4294967295",
        () -> new LifecycleEvent.NetworkDeleted("e", T, 1L << 32));
    rejects("host must be in 1..4294967295", () -> new LifecycleEvent.HostLeft("e", T, 0));
    rejects("eventId must be 1-64", () -> new LifecycleEvent.HostLeft("has space", T, 1));
    rejects("eventId must be 1-64", () -> new LifecycleEvent.HostLeft("x".repeat(65), T, 1));
    rejects("time is required", () -> new LifecycleEvent.HostLeft("e", null, 1));
    rejects("name must be 1-63", () -> new LifecycleEvent.NetworkCreated("e", T, 1, " "));
  }

  @Test
  void hostJoined_validatesKeyCoordinatesAndEndpoint() {
    String k = SampleEvents.KEY;
    rejects(
        "wireguardPublicKey must be base64",
        () -> new LifecycleEvent.HostJoined("e", T, 1, "nrt", 0.0, 0.0, "!!", "192.0.2.1:1"));
    rejects(
        "wireguardPublicKey must be 32 bytes",
        () -> new LifecycleEvent.HostJoined("e", T, 1, "nrt", 0.0, 0.0, "AAAA", "192.0.2.1:1"));
    rejects(
        "latitude must be in",
        () -> new LifecycleEvent.HostJoined("e", T, 1, "nrt", 91.0, 0.0, k, "192.0.2.1:1"));
    rejects(
        "longitude must be in",
        () -> new LifecycleEvent.HostJoined("e", T, 1, "nrt", 0.0, -181.0, k, "192.0.2.1:1"));
    rejects(
        "latitude is required",
        () -> new LifecycleEvent.HostJoined("e", T, 1, "nrt", null, 0.0, k, "192.0.2.1:1"));
    rejects(
        "endpoint must be ip:port",
        () -> new LifecycleEvent.HostJoined("e", T, 1, "nrt", 0.0, 0.0, k, "192.0.2.1"));
    rejects(
        "endpoint port must be in",
        () -> new LifecycleEvent.HostJoined("e", T, 1, "nrt", 0.0, 0.0, k, "192.0.2.1:0"));
    rejects(
        "endpoint address is not an IP literal",
        () -> new LifecycleEvent.HostJoined("e", T, 1, "nrt", 0.0, 0.0, k, "example.com:1"));
    rejects(
        "endpoint with an IPv6 address must bracket",
        () -> new LifecycleEvent.HostJoined("e", T, 1, "nrt", 0.0, 0.0, k, "2001:db8::1:1"));
    assertEquals("[2001:db8:0:0:0:0:0:1]:51820", Endpoint.parse("[2001:db8::1]:51820").toString());
  }

  @Test
  void peerCreated_validatesNameKeyAndPeerAddress() {
    String k = SampleEvents.KEY;
    SixpnAddress a = SixpnAddress.ofPeer(1, 7, 9);
    rejects(
        "name must be a DNS label",
        () -> new LifecycleEvent.PeerCreated("e", T, 1, "Bad Name", k, 7, a));
    rejects(
        "publicKey must be 32 bytes",
        () -> new LifecycleEvent.PeerCreated("e", T, 1, "laptop", "AAAA", 7, a));
    rejects(
        "publicKey must be base64",
        () -> new LifecycleEvent.PeerCreated("e", T, 1, "laptop", "!!", 7, a));
    rejects(
        "address fdaa:0:1:0:7:0:9:4 must be in network 2 on gateway host 7",
        () -> new LifecycleEvent.PeerCreated("e", T, 2, "laptop", k, 7, a));
    rejects(
        "address fdaa:0:1:0:7:0:9:4 must be in network 1 on gateway host 8",
        () -> new LifecycleEvent.PeerCreated("e", T, 1, "laptop", k, 8, a));
    rejects(
        "address fdaa:0:1:0:7:0:9:2 is not a peer address",
        () ->
            new LifecycleEvent.PeerCreated(
                "e", T, 1, "laptop", k, 7, SixpnAddress.ofInstance(1, 7, 9)));
    rejects(
        "address fdaa:0:1:0:7:0:9:4 is not an instance address",
        () ->
            new LifecycleEvent.InstanceStarted(
                "e", T, "i1", 1, "app", "app", 7, "nrt", a, java.util.Map.of()));
    rejects("name must be a DNS label", () -> new LifecycleEvent.PeerRemoved("e", T, 1, "-x"));
  }
}
