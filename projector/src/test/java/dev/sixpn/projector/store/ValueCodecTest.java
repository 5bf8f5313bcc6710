package dev.sixpn.projector.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.Port;
import dev.sixpn.state.Instance;
import dev.sixpn.state.InstanceStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ValueCodecTest {

  private static Instance instance(boolean hostAccess, List<Port> ports) {
    return instance(hostAccess, ports, Map.of("team", "dns", "tier", "édge"));
  }

  private static Instance instance(
      boolean hostAccess, List<Port> ports, Map<String, String> metadata) {
    return new Instance(
        "a1nrt",
        1,
        "web",
        "app",
        7,
        "nrt",
        SixpnAddress.ofInstance(1, 7, 42),
        InstanceStatus.STARTED,
        metadata,
        hostAccess,
        ports);
  }

  @Test
  void encodeInstance_metadataInAnyOrder_sameBytesInKeyOrder() {
    // Map.copyOf iterates in an order salted per JVM: encoded rows (and the state digest over
    // them) must not depend on it, or two hosts with equal states disagree.
    java.util.LinkedHashMap<String, String> forward = new java.util.LinkedHashMap<>();
    java.util.LinkedHashMap<String, String> backward = new java.util.LinkedHashMap<>();
    List<String> keys = List.of("a", "b", "c", "d", "e", "f", "g", "h");
    keys.forEach(k -> forward.put(k, "v-" + k));
    keys.reversed().forEach(k -> backward.put(k, "v-" + k));
    Instance one = instance(false, List.of(), forward);
    Instance other = instance(false, List.of(), backward);
    byte[] v = ValueCodec.encodeInstance(one);
    org.junit.jupiter.api.Assertions.assertArrayEquals(v, ValueCodec.encodeInstance(other));
    assertEquals(keys, List.copyOf(ValueCodec.decodeInstance(v).metadata().keySet()));
  }

  @Test
  void encodeInstance_withPorts_roundTripsAsVersion3() {
    Instance i =
        instance(
            true,
            List.of(
                new Port("http", 8080, "tcp"),
                new Port("dns", 53, "udp"),
                new Port("x", 65_535, "tcp")));
    byte[] v = ValueCodec.encodeInstance(i);
    assertEquals(ValueCodec.INSTANCE_V3, v[0]);
    assertEquals(i, ValueCodec.decodeInstance(v));
  }

  @Test
  void encodeInstance_withChecks_roundTripsAsVersion4_withOrWithoutPorts() {
    for (List<Port> ports : List.of(List.<Port>of(), List.of(new Port("http", 8080, "tcp")))) {
      Instance i =
          instance(false, ports)
              .withCheck("http-8080", dev.sixpn.events.HealthStatus.WARNING)
              .withCheck("tcp-6379", dev.sixpn.events.HealthStatus.CRITICAL);
      byte[] v = ValueCodec.encodeInstance(i);
      assertEquals(ValueCodec.INSTANCE_V4, v[0]);
      assertEquals(i, ValueCodec.decodeInstance(v));
    }
  }

  @Test
  void encodeInstance_withoutPorts_staysVersion2() {
    Instance i = instance(true, List.of());
    byte[] v = ValueCodec.encodeInstance(i);
    assertEquals(ValueCodec.INSTANCE_V2, v[0], "readable by builds that know version 2");
    assertEquals(i, ValueCodec.decodeInstance(v));
  }

  @Test
  void decodeInstance_version1_hasNoFlagsAndNoPorts() {
    byte[] v2 = ValueCodec.encodeInstance(instance(true, List.of()));
    // version 1: the same without the flags byte after the status
    byte[] v1 = new byte[v2.length - 1];
    v1[0] = ValueCodec.INSTANCE_V1;
    v1[1] = v2[1];
    System.arraycopy(v2, 3, v1, 2, v2.length - 3);
    assertEquals(instance(false, List.of()), ValueCodec.decodeInstance(v1));
  }

  @Test
  void decodeStored_readsEveryVersionAsDecodeInstanceDoes() {
    ProjectedState state = new ProjectedState(java.time.Duration.ofDays(1));
    state.putNetwork(1, "");
    state.putApp(1, "web", true);
    ProjectedState.RowNames names = state.new RowNames();
    Instance plain =
        new Instance(
            "b2",
            1,
            "web",
            "app",
            7,
            "nrt",
            SixpnAddress.ofInstance(1, 7, 3),
            InstanceStatus.STOPPED,
            Map.of());
    Instance gateway =
        new Instance(
            "gw",
            1,
            "web",
            "app",
            7,
            "nrt",
            new SixpnAddress(1, 7, 3, SixpnAddress.ROLE_GATEWAY),
            InstanceStatus.STARTED,
            Map.of());
    byte[] v2 = ValueCodec.encodeInstance(instance(true, List.of()));
    byte[] v1 = new byte[v2.length - 1];
    v1[0] = ValueCodec.INSTANCE_V1;
    v1[1] = v2[1];
    System.arraycopy(v2, 3, v1, 2, v2.length - 3);
    for (byte[] v :
        List.of(
            v1,
            v2,
            ValueCodec.encodeInstance(instance(false, List.of(new Port("http", 80, "tcp")))),
            ValueCodec.encodeInstance(plain),
            ValueCodec.encodeInstance(gateway),
            ValueCodec.encodeInstance(
                instance(false, List.of(new Port("http", 80, "tcp")))
                    .withChecks(
                        Map.of(
                            "http-80",
                            dev.sixpn.events.HealthStatus.CRITICAL,
                            "tcp-80",
                            dev.sixpn.events.HealthStatus.PASSING))))) {
      assertEquals(
          ValueCodec.decodeInstance(v), ValueCodec.decodeStored(v, names).toInstance(), "v" + v[0]);
    }
  }
}
