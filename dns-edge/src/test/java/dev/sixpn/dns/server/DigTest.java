package dev.sixpn.dns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.dns.testing.Dig;
import dev.sixpn.dns.testing.FakeState;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real dig binary against the server on ::1, loopback mapped to network 1 (development option).
 */
class DigTest {

  static FakeState state;
  static DnsEdgeServer server;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    Dig.requireDig();
    state = FakeState.fixture();
    for (int i = 0; i < DnsEdgeServerTest.BIG; i++) {
      state.start(1, "big", String.format("big%03d", i), "app", "iad");
    }
    server =
        new DnsEdgeServer(
            DnsEdgeServerTest.testConfig(OptionalLong.of(1), List.of()),
            state,
            state,
            new PrometheusRegistry());
    server.start();
    port = server.udpAddresses().getFirst().getPort();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static String dig(String... args) throws Exception {
    return Dig.run("::1", port, args);
  }

  static List<String> shortAnswer(String type, String name) throws Exception {
    return Dig.lines(dig(type, name, "+short"));
  }

  static String ip(String id) {
    return state.get(id).address().toString();
  }

  @Test
  void aaaa_appShortListsStartedInstances() throws Exception {
    assertEquals(
        Set.of(ip("a1nrt"), ip("b2iad"), ip("c3iad"), ip("d4ams")),
        Set.copyOf(shortAnswer("aaaa", "fearsome-bagel-43.internal")));
  }

  @Test
  void aaaa_everyAddressNameForm() throws Exception {
    assertEquals(
        Set.of(ip("a1nrt"), ip("b2iad"), ip("c3iad"), ip("d4ams")),
        Set.copyOf(shortAnswer("aaaa", "global.fearsome-bagel-43.internal")));
    assertEquals(
        Set.of(ip("b2iad"), ip("c3iad")),
        Set.copyOf(shortAnswer("aaaa", "iad.fearsome-bagel-43.internal")));
    assertEquals(
        List.of(ip("d4ams"), ip("b2iad")),
        shortAnswer("aaaa", "top2.nearest.of.fearsome-bagel-43.internal"));
    assertEquals(List.of(ip("c3iad")), shortAnswer("aaaa", "c3iad.vm.fearsome-bagel-43.internal"));
    assertEquals(
        List.of(ip("c3iad")), shortAnswer("aaaa", "worker.process.fearsome-bagel-43.internal"));
  }

  @Test
  void txt_everyTextNameForm() throws Exception {
    assertEquals(
        List.of("\"ams,iad,nrt\""), shortAnswer("txt", "regions.fearsome-bagel-43.internal"));
    assertEquals(
        List.of("\"ams,iad,nrt,syd\""),
        shortAnswer("txt", "all.regions.fearsome-bagel-43.internal"));
    assertEquals(
        Set.of("\"a1nrt nrt\"", "\"b2iad iad\"", "\"c3iad iad\"", "\"d4ams ams\""),
        Set.copyOf(shortAnswer("txt", "vms.fearsome-bagel-43.internal")));
    assertEquals(5, shortAnswer("txt", "all.vms.fearsome-bagel-43.internal").size());
    assertEquals(
        List.of("\"big,caller-app,fearsome-bagel-43,redis-bagel-43\""),
        shortAnswer("txt", "_apps.internal"));
    assertTrue(
        shortAnswer("txt", "_instances.internal")
            .contains(
                "\"instance=c3iad,app=fearsome-bagel-43,ip=" + ip("c3iad") + ",region=iad\""));
    assertTrue(
        shortAnswer("txt", "all._instances.internal").stream()
            .anyMatch(l -> l.startsWith("\"instance=e5syd,")));
  }

  @Test
  void ptr_reverseLookupWithDashX() throws Exception {
    assertEquals(
        List.of("b2iad.vm.fearsome-bagel-43.internal."),
        Dig.lines(dig("-x", ip("b2iad"), "+short")));
  }

  @Test
  void nxdomain_showsStatusAaAndSoaInAuthority() throws Exception {
    String out = dig("aaaa", "secret-app.internal");
    assertTrue(out.contains("status: NXDOMAIN"), out);
    assertTrue(flags(out).contains("aa"), out);
    assertTrue(
        Pattern.compile(
                "(?m)^;; AUTHORITY SECTION:\\s*\\ninternal\\.\\s+5\\s+IN\\s+SOA\\s+internal\\. hostmaster\\.internal\\. 1 3600 600 86400 5$")
            .matcher(out)
            .find(),
        out);
  }

  @Test
  void noData_forExistingNameAskedForA() throws Exception {
    String out = dig("a", "fearsome-bagel-43.internal");
    assertTrue(out.contains("status: NOERROR"), out);
    assertTrue(out.contains("ANSWER: 0,"), out);
    assertTrue(out.contains("AUTHORITY: 1,"), out);
  }

  @Test
  void mixedCase_questionAndAnswerOwnerEchoed() throws Exception {
    String out = dig("aaaa", "FearSome-BAGEL-43.InTeRnAl", "+noall", "+question", "+answer");
    assertTrue(
        Pattern.compile("(?m)^;FearSome-BAGEL-43\\.InTeRnAl\\.\\s+IN\\s+AAAA$").matcher(out).find(),
        out);
    assertEquals(
        4,
        out.lines()
            .filter(l -> l.matches("FearSome-BAGEL-43\\.InTeRnAl\\.\\s+5\\s+IN\\s+AAAA\\s+fdaa:.*"))
            .count(),
        out);
  }

  @Test
  void edns_optPseudosectionEchoedAndAbsentWithNoedns() throws Exception {
    String with = dig("aaaa", "fearsome-bagel-43.internal");
    assertTrue(with.contains("; EDNS: version: 0, flags:; udp: 1232"), with);
    String without = dig("aaaa", "fearsome-bagel-43.internal", "+noedns");
    assertFalse(without.contains("OPT PSEUDOSECTION"), without);
    assertTrue(without.contains("ANSWER: 4,"), without);
  }

  @Test
  void truncation_udpGivesTcAndDigRetriesOverTcpForAll500() throws Exception {
    String udpOnly = dig("aaaa", "big.internal", "+ignore", "+noedns");
    assertTrue(flags(udpOnly).contains("tc"), udpOnly);
    assertTrue(answerCount(udpOnly) > 0, udpOnly);
    String retried = dig("aaaa", "big.internal");
    assertTrue(retried.contains("Truncated, retrying in TCP mode."), retried);
    assertTrue(retried.contains("ANSWER: 500,"), retried);
    assertEquals(500, Set.copyOf(Dig.lines(dig("aaaa", "big.internal", "+short", "+tcp"))).size());
  }

  @Test
  void apex_soaAndNs() throws Exception {
    assertEquals(
        List.of("internal. hostmaster.internal. 1 3600 600 86400 5"),
        shortAnswer("soa", "internal"));
    assertEquals(List.of("internal."), shortAnswer("ns", "internal"));
  }

  @Test
  void changeFeed_newInstanceVisibleToNextDig() throws Exception {
    assertTrue(shortAnswer("aaaa", "dig-fresh.internal").isEmpty());
    state.start(1, "dig-fresh", "df1", "app", "ams");
    try {
      assertEquals(List.of(ip("df1")), shortAnswer("aaaa", "dig-fresh.internal"));
    } finally {
      state.destroy("df1");
    }
    assertTrue(shortAnswer("aaaa", "dig-fresh.internal").isEmpty());
  }

  private static int answerCount(String out) {
    Matcher m = Pattern.compile(", ANSWER: (\\d+),").matcher(out);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  private static String flags(String out) {
    Matcher m = Pattern.compile(";; flags: ([a-z ]+);").matcher(out);
    return m.find() ? m.group(1) : "";
  }
}
