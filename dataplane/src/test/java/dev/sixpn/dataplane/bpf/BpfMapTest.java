package dev.sixpn.dataplane.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.maps.ConfigMap;
import dev.sixpn.dataplane.maps.DropReason;
import dev.sixpn.dataplane.maps.DropsMap;
import dev.sixpn.dataplane.maps.HostConfig;
import dev.sixpn.dataplane.maps.LinkInfo;
import dev.sixpn.dataplane.maps.LinkMap;
import dev.sixpn.dataplane.maps.LocalInstance;
import dev.sixpn.dataplane.maps.LocalsMap;
import dev.sixpn.dataplane.testing.Privileges;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The FFM bpf(2) layer against maps the kernel really loaded from the built object. */
class BpfMapTest {

  static final Path PINS =
      Path.of("/sys/fs/bpf", "sixpn-test-maps-" + ProcessHandle.current().pid());
  static ProgramLoader.Pins pins;

  @BeforeAll
  static void load() {
    Privileges.requireKernelAndTools("bpftool");
    pins = ProgramLoader.ensureLoaded(PINS);
  }

  @AfterAll
  static void unload() {
    ProgramLoader.unpin(PINS);
  }

  @Test
  void loadedMapsHaveTheSizesOfTheJavaLayouts() {
    // BpfMap's constructor compares type, key size and value size; opening is the check.
    try (var c = new ConfigMap(pins.map(ConfigMap.NAME).toString(), MapOp.Observer.NONE);
        var l = new LinkMap(pins.map(LinkMap.NAME).toString(), MapOp.Observer.NONE);
        var lo = new LocalsMap(pins.map(LocalsMap.NAME).toString(), MapOp.Observer.NONE);
        var d = new DropsMap(pins.map(DropsMap.NAME).toString(), MapOp.Observer.NONE)) {
      assertEquals(LinkMap.VALUE.byteSize(), l.info().valueSize());
      assertEquals(16, lo.info().keySize());
      assertEquals(DropReason.SLOTS, d.info().maxEntries());
      assertEquals("sixpn_config", c.name());
    }
  }

  @Test
  void crudIterateAndDeleteOfAMissingKey() {
    AtomicInteger ops = new AtomicInteger();
    try (var locals =
        new LocalsMap(pins.map(LocalsMap.NAME).toString(), (op, ok) -> ops.incrementAndGet())) {
      Map<SixpnAddress, LocalInstance> expected = new HashMap<>();
      for (int i = 1; i <= 300; i++) {
        SixpnAddress a = new SixpnAddress(0xabcd_0000L + i, 0xffff_fff0L, i, 2);
        locals.put(a, new LocalInstance(i, i % 3));
        expected.put(a, new LocalInstance(i, i % 3));
      }
      assertEquals(expected, locals.entries());
      assertEquals(300, new HashSet<>(locals.keys()).size());
      SixpnAddress first = new SixpnAddress(0xabcd_0001L, 0xffff_fff0L, 1, 2);
      assertEquals(Optional.of(new LocalInstance(1, 1)), locals.lookup(first));
      locals.put(first, new LocalInstance(77, 0));
      assertEquals(Optional.of(new LocalInstance(77, 0)), locals.lookup(first));
      assertTrue(locals.delete(first));
      assertFalse(locals.delete(first), "deleting a missing key is not an error");
      assertEquals(Optional.empty(), locals.lookup(first));
      expected.keySet().forEach(locals::delete);
      assertEquals(List.of(), locals.keys());
      assertTrue(ops.get() > 900);
    }
  }

  @Test
  void linkInfoAndConfigRoundTrip() {
    try (var links = new LinkMap(pins.map(LinkMap.NAME).toString(), MapOp.Observer.NONE);
        var config = new ConfigMap(pins.map(ConfigMap.NAME).toString(), MapOp.Observer.NONE)) {
      LinkInfo info =
          new LinkInfo(
              new SixpnAddress(0xfedc_ba98L, 0x7654_3210L, 0x0102_0304L, 2), LinkInfo.ALLOW_HOST);
      links.put(Integer.MAX_VALUE, info);
      assertEquals(Optional.of(info), links.lookup(Integer.MAX_VALUE));
      links.delete(Integer.MAX_VALUE);
      config.set(new HostConfig(0xffff_fffeL, 0));
      assertEquals(new HostConfig(0xffff_fffeL, 0), config.get());
    }
  }

  @Test
  void perCpuDropCountersReadAsSums() {
    try (var drops = new DropsMap(pins.map(DropsMap.NAME).toString(), MapOp.Observer.NONE)) {
      assertEquals(0L, drops.count(DropReason.SPOOFED_SOURCE));
      drops.put(DropReason.SPOOFED_SOURCE.ordinal(), 5L);
      assertEquals(5L, drops.count(DropReason.SPOOFED_SOURCE));
      assertEquals(DropReason.values().length, drops.counts().size());
    }
  }

  @Test
  void errorsSayHowToFixThem() {
    BpfException missing =
        assertThrows(BpfException.class, () -> Bpf.objGet("/sys/fs/bpf/sixpn-no-such-pin"));
    assertEquals(Errno.ENOENT, missing.errno());
    assertTrue(missing.getMessage().contains("mount -t bpf bpf /sys/fs/bpf"), missing.getMessage());
    BpfException wrongMap =
        assertThrows(
            BpfException.class,
            () -> new LinkMap(pins.map(LocalsMap.NAME).toString(), MapOp.Observer.NONE));
    assertTrue(wrongMap.getMessage().contains("remove the pin directory"), wrongMap.getMessage());
  }

  @Test
  void aSecondLoadKeepsTheMapsAndTheirContents() {
    try (var config = new ConfigMap(pins.map(ConfigMap.NAME).toString(), MapOp.Observer.NONE)) {
      config.set(new HostConfig(4242, 0));
      ProgramLoader.ensureLoaded(PINS);
      assertEquals(4242, config.get().host());
      try (var again = new ConfigMap(pins.map(ConfigMap.NAME).toString(), MapOp.Observer.NONE)) {
        assertEquals(4242, again.get().host(), "same map after the reload");
      }
    }
  }
}
