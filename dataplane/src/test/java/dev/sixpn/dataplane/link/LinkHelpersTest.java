package dev.sixpn.dataplane.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinkHelpersTest {

  @TempDir Path etc;

  @Test
  void interfacesOfTheCurrentNamespaceIncludeLoopback() {
    try (NetnsExecutor here = new NetnsExecutor(Netns.CURRENT)) {
      assertEquals(1, here.interfaces().get("lo"));
    }
  }

  @Test
  void hostSideLink_anyId_isAStableFifteenCharacterInstanceLink() {
    String name = LinkNames.hostSideLink("web-1");
    assertEquals(15, name.length());
    assertEquals(name, LinkNames.hostSideLink("web-1"));
    assertTrue(LinkNames.isInstanceLink(name));
  }

  @Test
  void isInstanceLink_otherNames_areNotInstanceLinks() {
    for (String other :
        new String[] {"eth0", "lo", "wg0", "6p", "6pXYZ0123456789", "6p0123456789abcd", "u0"}) {
      assertFalse(LinkNames.isInstanceLink(other), other);
    }
  }

  @Test
  void isNetnsName_pathsAndUnicode_areRefused() {
    assertTrue(LinkNames.isNetnsName("5683d0e2b41e8e"));
    for (String bad :
        new String[] {"", "..", "../../tmp/x", "a/b", "é", "x".repeat(64), "-a", "a-", "A"}) {
      assertFalse(LinkNames.isNetnsName(bad), bad);
    }
  }

  @Test
  void prefixesCompareInOneForm() {
    assertEquals(
        Prefixes.canonical("fdab:0:1::/48"), Prefixes.canonical("fdab:0000:0001:0:0:0:0:0/48"));
    SixpnAddress a = SixpnAddress.ofInstance(5, 6, 7);
    assertEquals(Prefixes.canonical(a.toString()), Prefixes.host(a));
  }

  @Test
  void resolverFilesAreWrittenOnceAndPrunedOnlyForTheirHost() throws Exception {
    InstanceFiles mine = new InstanceFiles(etc, 1);
    InstanceFiles theirs = new InstanceFiles(etc, 2);
    SixpnAddress a = SixpnAddress.ofInstance(5, 1, 7);
    assertTrue(mine.write("i1", a, "i1"));
    assertFalse(mine.write("i1", a, "i1"), "unchanged content is not rewritten");
    theirs.write("i2", SixpnAddress.ofInstance(5, 2, 7), "i2");
    assertEquals(java.util.Set.of("i1"), mine.managed());
    assertTrue(Files.readString(etc.resolve("i1/resolv.conf")).endsWith("nameserver fdaa::3\n"));
    mine.remove("i1");
    assertFalse(Files.exists(etc.resolve("i1")));
    mine.remove("i2");
    assertTrue(Files.exists(etc.resolve("i2/hosts")), "another host's files stay");
  }
}
