package dev.sixpn.dns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.dns.testing.Dig;
import dev.sixpn.dns.testing.FakeState;
import dev.sixpn.events.Port;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Map;
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
    state.declare(
        "a1nrt",
        Map.of("role", "primary"),
        List.of(new Port("http", 8080, "tcp"), new Port("dns", 53, "udp")));
    state.declare("b2iad", Map.of("role", "replica"), List.of(new Port("http", 8081, "tcp")));
    for (int i = 0; i < DnsEdgeServerTest.BIG; i++) {
      state.start(1, "big", String.format("big%03d", i), "app", "iad");
    }
    for (int i = 0; i < LargeAnswersTest.HUGE; i++) {
      state.start(1, "huge", String.format("h%05d", i), "app", i % 2 == 0 ? "iad" : "ams");
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
        List.of("\"a1nrt nrt passing,b2iad iad passing,c3iad iad passing,d4ams ams passing\""),
        shortAnswer("txt", "vms.fearsome-bagel-43.internal"));
    assertEquals(
        List.of(
            "\"a1nrt nrt passing,b2iad iad passing,c3iad iad passing,d4ams ams passing,e5syd syd"
                + " passing\""),
        shortAnswer("txt", "all.vms.fearsome-bagel-43.internal"));
    assertEquals(
        List.of("\"big,caller-app,fearsome-bagel-43,huge,redis-bagel-43\""),
        shortAnswer("txt", "_apps.internal"));
    // network 1 has over 10,000 instances: one record of as many entries as one TCP message holds,
    // which dig prints as its 255-byte strings, quoted, one after the other
    for (String name : List.of("_instances.internal", "all._instances.internal")) {
      List<String> records = shortAnswer("txt", name);
      assertEquals(1, records.size(), name);
      String line = records.getFirst();
      assertTrue(line.length() > 60_000, name + ": " + line.length());
      String text = line.substring(1, line.length() - 1).replace("\" \"", "");
      String[] entries = text.split(";");
      assertTrue(entries.length > 500, name + ": " + entries.length);
      for (String e : entries) {
        assertTrue(
            e.matches(
                "instance=[a-z0-9]+,app=[a-z0-9-]+,ip=fdaa:[0-9a-f:]+,region=[a-z]+,health=[a-z]+"),
            name + ": " + e);
      }
    }
  }

  @Test
  void txt_vmsOfHugeApp_overUdpIsCutAtAnEntryWithTc() throws Exception {
    String out = dig("txt", "vms.huge.internal", "+notcp", "+ignore", "+noedns");
    assertTrue(out.contains(" tc"), out);
    List<String> records =
        Dig.lines(dig("txt", "vms.huge.internal", "+notcp", "+ignore", "+short"));
    assertEquals(1, records.size(), out);
    String text = records.getFirst();
    assertTrue(text.endsWith("\"") && !text.endsWith(",\""), text);
    for (String e : text.substring(1, text.length() - 1).replace("\" \"", "").split(",")) {
      assertTrue(e.matches("[a-z0-9]+ [a-z]+ (passing|warning|critical)"), e);
    }
  }

  @Test
  void srv_namedPorts_targetsAndAdditionalAaaa() throws Exception {
    assertEquals(
        Set.of(
            "0 1 8080 a1nrt.vm.fearsome-bagel-43.internal.",
            "0 1 8081 b2iad.vm.fearsome-bagel-43.internal."),
        Set.copyOf(shortAnswer("srv", "_http._tcp.fearsome-bagel-43.internal")));
    assertEquals(
        List.of("0 1 53 a1nrt.vm.fearsome-bagel-43.internal."),
        shortAnswer("srv", "_dns._udp.fearsome-bagel-43.internal"));
    String full = dig("srv", "_dns._udp.fearsome-bagel-43.internal", "+noall", "+additional");
    assertTrue(
        full.matches(
            "(?s).*a1nrt\\.vm\\.fearsome-bagel-43\\.internal\\.\\s+5\\s+IN\\s+AAAA\\s+"
                + java.util.regex.Pattern.quote(ip("a1nrt"))
                + ".*"),
        full);
    assertTrue(
        dig("srv", "_ftp._tcp.fearsome-bagel-43.internal").contains("status: NXDOMAIN"), "nx");
    String nodata = dig("srv", "_tcp.fearsome-bagel-43.internal");
    assertTrue(nodata.contains("status: NOERROR") && nodata.contains("ANSWER: 0"), nodata);
  }

  @Test
  void metadataKv_aaaaOfMatchingInstances() throws Exception {
    assertEquals(
        List.of(ip("a1nrt")),
        shortAnswer("aaaa", "primary.role.kv._metadata.fearsome-bagel-43.internal"));
    assertEquals(
        List.of(ip("b2iad")),
        shortAnswer("aaaa", "replica.role.kv._metadata.fearsome-bagel-43.internal"));
    assertTrue(
        dig("aaaa", "leader.role.kv._metadata.fearsome-bagel-43.internal")
            .contains("status: NXDOMAIN"));
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
  void truncation_tenThousandInstances_udpTcWithRecords_ednsMore_tcpAtLeast2000() throws Exception {
    String udp = dig("aaaa", "huge.internal", "+notcp", "+ignore");
    assertTrue(flags(udp).contains("tc"), udp);
    int edns = answerCount(udp);
    assertTrue(edns > 0, udp);
    String classic = dig("aaaa", "huge.internal", "+notcp", "+ignore", "+noedns");
    assertTrue(flags(classic).contains("tc"), classic);
    assertTrue(answerCount(classic) > 0 && answerCount(classic) < edns, classic);
    String large = dig("aaaa", "huge.internal", "+bufsize=4096", "+ignore");
    assertTrue(flags(large).contains("tc"), large);
    assertTrue(answerCount(large) > answerCount(classic), large);
    assertTrue(large.contains("MSG SIZE  rcvd: "), large);
    assertTrue(msgSize(large) <= 1232, "capped at our advertised 1232: " + msgSize(large));
    String tcp = dig("aaaa", "huge.internal", "+tcp");
    assertFalse(flags(tcp).contains("tc"), "no TC over TCP");
    assertTrue(answerCount(tcp) >= 2_000, "records over TCP: " + answerCount(tcp));
    assertTrue(
        msgSize(tcp) <= 65_535,
        tcp.lines().filter(l -> l.contains("MSG SIZE")).toList().toString());
    // dig's own retry: TC over UDP, then the TCP answer
    String retried = dig("aaaa", "huge.internal");
    assertTrue(retried.contains("Truncated, retrying in TCP mode."), retried);
    assertTrue(answerCount(retried) >= 2_000, "records after the retry: " + answerCount(retried));
    assertEquals(
        answerCount(retried),
        Set.copyOf(Dig.lines(dig("aaaa", "huge.internal", "+short", "+tcp"))).size());
  }

  @Test
  void nearest_topAboveTheCapAnswersTheCapOverTcp() throws Exception {
    assertEquals(64, Dig.lines(dig("aaaa", "top1000.nearest.of.huge.internal", "+short")).size());
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

  private static int msgSize(String out) {
    Matcher m = Pattern.compile("MSG SIZE  rcvd: (\\d+)").matcher(out);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
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
