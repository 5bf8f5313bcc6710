package dev.sixpn.dns.zone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dns.testing.FakeState;
import dev.sixpn.events.HealthStatus;
import dev.sixpn.events.Port;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

class InternalZoneTest {

  private final FakeState state = FakeState.fixture();
  private final InternalZone zone = new InternalZone(state);
  private static final Caller ORD = new Caller(1, "ord");
  private static final Caller NRT = new Caller(1, "nrt");
  private static final Caller NET2 = new Caller(2, "fra");

  private ZoneAnswer ask(String name, int type, Caller caller) {
    return zone.answer(Name.fromConstantString(name), type, caller);
  }

  private List<String> ips(ZoneAnswer a) {
    return a.answers().stream()
        .map(r -> ((AAAARecord) r).getAddress().getHostAddress())
        .map(
            s -> {
              try {
                return SixpnAddress.parse(s).toString();
              } catch (IllegalArgumentException e) {
                return s;
              }
            })
        .toList();
  }

  private Set<String> ipsOf(String... ids) {
    return java.util.Arrays.stream(ids)
        .map(id -> state.get(id).address().toString())
        .collect(Collectors.toSet());
  }

  private List<String> ipsInOrder(String... ids) {
    return java.util.Arrays.stream(ids).map(id -> state.get(id).address().toString()).toList();
  }

  private static List<String> txt(ZoneAnswer a) {
    return a.answers().stream().map(r -> String.join("", ((TXTRecord) r).getStrings())).toList();
  }

  private static void assertNxdomain(ZoneAnswer a) {
    assertEquals(Rcode.NXDOMAIN, a.rcode());
    assertTrue(a.answers().isEmpty());
    assertSoa(a);
  }

  private static void assertNoData(ZoneAnswer a) {
    assertEquals(Rcode.NOERROR, a.rcode());
    assertTrue(a.answers().isEmpty(), "no answer records expected: " + a.answers());
    assertSoa(a);
  }

  private static void assertSoa(ZoneAnswer a) {
    assertEquals(1, a.authority().size());
    SOARecord soa = (SOARecord) a.authority().getFirst();
    assertEquals(5, soa.getMinimum());
    assertEquals(5, soa.getTTL());
  }

  @Test
  void app_answersStartedInstancesOfCallersNetwork() {
    ZoneAnswer a = ask("fearsome-bagel-43.internal.", Type.AAAA, ORD);
    assertEquals(Rcode.NOERROR, a.rcode());
    assertEquals(ipsOf("a1nrt", "b2iad", "c3iad", "d4ams"), Set.copyOf(ips(a)));
    assertTrue(a.authority().isEmpty());
    assertTrue(a.rotate());
    assertTrue(a.answers().stream().allMatch(r -> r.getTTL() == 5));
  }

  @Test
  void app_otherNetworkSeesOnlyItsOwnAppOfTheSameName() {
    assertEquals(
        ipsOf("x9fra"), Set.copyOf(ips(ask("fearsome-bagel-43.internal.", Type.AAAA, NET2))));
  }

  @Test
  void app_ofAnotherNetworkIsNxdomain() {
    assertNxdomain(ask("redis-bagel-43.internal.", Type.AAAA, NET2));
    assertNxdomain(ask("secret-app.internal.", Type.AAAA, ORD));
    assertNxdomain(ask("vms.secret-app.internal.", Type.TXT, ORD));
    assertNxdomain(ask("s1fra.vm.secret-app.internal.", Type.AAAA, ORD));
  }

  @Test
  void global_isTheApp() {
    assertEquals(
        ipsOf("a1nrt", "b2iad", "c3iad", "d4ams"),
        Set.copyOf(ips(ask("global.fearsome-bagel-43.internal.", Type.AAAA, ORD))));
  }

  @Test
  void region_answersStartedInstancesInRegion() {
    assertEquals(
        ipsOf("b2iad", "c3iad"),
        Set.copyOf(ips(ask("iad.fearsome-bagel-43.internal.", Type.AAAA, ORD))));
  }

  @Test
  void region_withOnlyStoppedInstancesIsNoData() {
    assertNoData(ask("syd.fearsome-bagel-43.internal.", Type.AAAA, ORD));
  }

  @Test
  void region_unknownIsNxdomain() {
    assertNxdomain(ask("lhr.fearsome-bagel-43.internal.", Type.AAAA, ORD));
  }

  @Test
  void nearest_ordersByDistanceFromCallersRegion() {
    ZoneAnswer fromOrd = ask("top3.nearest.of.fearsome-bagel-43.internal.", Type.AAAA, ORD);
    assertEquals(ipsInOrder("b2iad", "c3iad", "d4ams"), ips(fromOrd));
    assertFalse(fromOrd.rotate());
    ZoneAnswer fromNrt = ask("top2.nearest.of.fearsome-bagel-43.internal.", Type.AAAA, NRT);
    assertEquals(ipsInOrder("a1nrt", "d4ams"), ips(fromNrt));
  }

  @Test
  void nearest_largerThanAppGivesAllStartedInOrder() {
    assertEquals(
        ipsInOrder("b2iad", "c3iad", "d4ams", "a1nrt"),
        ips(ask("top10.nearest.of.fearsome-bagel-43.internal.", Type.AAAA, ORD)));
  }

  @Test
  void nearest_tieBrokenByInstanceIdStably() {
    assertEquals(
        ipsInOrder("b2iad"),
        ips(ask("top1.nearest.of.fearsome-bagel-43.internal.", Type.AAAA, ORD)));
    assertEquals(
        ipsInOrder("b2iad"),
        ips(ask("top1.nearest.of.fearsome-bagel-43.internal.", Type.AAAA, ORD)));
  }

  @Test
  void nearest_withoutCallerRegionOrdersByRegionName() {
    assertEquals(
        ipsInOrder("d4ams", "b2iad"),
        ips(ask("top2.nearest.of.fearsome-bagel-43.internal.", Type.AAAA, new Caller(1, null))));
  }

  @Test
  void nearest_badCountIsNxdomain() {
    assertNxdomain(ask("top0.nearest.of.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    assertNxdomain(ask("topx.nearest.of.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    assertNxdomain(ask("top3.nearest.to.fearsome-bagel-43.internal.", Type.AAAA, ORD));
  }

  @Test
  void nearest_aboveTheCapIsAnsweredAsTheCap() {
    for (int i = 0; i < 100; i++) {
      state.start(1, "many", String.format("m%03d", i), "app", i % 2 == 0 ? "iad" : "nrt");
    }
    List<String> cap = ips(ask("top64.nearest.of.many.internal.", Type.AAAA, ORD));
    assertEquals(InternalZone.MAX_TOP, cap.size());
    assertEquals(cap, ips(ask("top65.nearest.of.many.internal.", Type.AAAA, ORD)));
    assertEquals(cap, ips(ask("top999999.nearest.of.many.internal.", Type.AAAA, ORD)));
    assertEquals(cap.subList(0, 10), ips(ask("top10.nearest.of.many.internal.", Type.AAAA, ORD)));
    // from ord, iad is nearer than nrt: all 50 iad instances first, by id
    assertEquals(
        java.util.stream.IntStream.range(0, 50)
            .mapToObj(i -> state.get(String.format("m%03d", i * 2)).address().toString())
            .toList(),
        cap.subList(0, 50));
  }

  @Test
  void nearest_sameOrderAsSortingEveryInstanceByDistanceRegionAndId() {
    java.util.Random random = new java.util.Random(3);
    String[] regions = {"nrt", "iad", "ams", "syd", "fra", "ord", "nowhere", "unknown"};
    List<dev.sixpn.state.Instance> instances = new java.util.ArrayList<>();
    for (int i = 0; i < 500; i++) {
      String id = String.format("x%04d", random.nextInt(10_000));
      instances.add(state.start(1, "mixed", id, "app", regions[random.nextInt(regions.length)]));
    }
    instances = state.instancesOfApp(1, "mixed", false);
    for (String from : new String[] {"ord", "syd", "nowhere", null}) {
      java.util.Map<String, Double> d = new java.util.HashMap<>();
      dev.sixpn.state.GeoPoint origin =
          from == null ? null : state.regionLocation(from).orElse(null);
      for (String r : regions) {
        d.put(
            r,
            r.equals(from)
                ? 0.0
                : origin == null
                    ? Double.POSITIVE_INFINITY
                    : state
                        .regionLocation(r)
                        .map(origin::distanceKm)
                        .orElse(Double.POSITIVE_INFINITY));
      }
      List<dev.sixpn.state.Instance> sorted =
          instances.stream()
              .sorted(
                  java.util.Comparator.<dev.sixpn.state.Instance>comparingDouble(
                          i -> d.get(i.region()))
                      .thenComparing(dev.sixpn.state.Instance::region)
                      .thenComparing(dev.sixpn.state.Instance::instanceId))
              .toList();
      for (int n : new int[] {1, 7, 64, 499, 1000}) {
        assertEquals(
            sorted.subList(0, Math.min(n, sorted.size())),
            zone.nearest(instances, from, n),
            "from " + from + ", n " + n);
      }
    }
  }

  @Test
  void shortenedList_cutsAtTheLastCommaThatFits() {
    String text = "alpha,beta,gamma,delta";
    TXTRecord list = (TXTRecord) InternalZone.txt(Name.fromConstantString("_apps.internal."), text);
    assertEquals(
        List.of("alpha,beta"),
        txt(
            new ZoneAnswer(
                Rcode.NOERROR, List.of(InternalZone.shortenedList(list, 12)), List.of(), false)));
    assertEquals(null, InternalZone.shortenedList(list, 5));
    StringBuilder longText = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      longText.append(i == 0 ? "" : ",").append(String.format("app-%04d", i));
    }
    TXTRecord longList =
        (TXTRecord)
            InternalZone.txt(Name.fromConstantString("_apps.internal."), longText.toString());
    Record cut = InternalZone.shortenedList(longList, 400);
    assertTrue(cut.rdataToWireCanonical().length <= 400);
    String joined = String.join("", ((TXTRecord) cut).getStrings());
    assertTrue(longText.toString().startsWith(joined + ","), joined);
    assertTrue(joined.length() > 380, "as much as fits: " + joined.length());
  }

  @Test
  void topN_parsesOnlyPositiveDecimal() {
    assertEquals(3, InternalZone.topN("top3"));
    assertEquals(InternalZone.MAX_TOP, InternalZone.topN("top123456"), "large N capped");
    assertEquals(InternalZone.MAX_TOP, InternalZone.topN("top64"));
    assertEquals(InternalZone.MAX_TOP, InternalZone.topN("top65"));
    assertEquals(-1, InternalZone.topN("top"));
    assertEquals(-1, InternalZone.topN("top0"));
    assertEquals(-1, InternalZone.topN("top-1"));
    assertEquals(-1, InternalZone.topN("tops"));
    assertEquals(-1, InternalZone.topN("top1234567"));
  }

  @Test
  void vm_answersThatInstance() {
    assertEquals(
        ipsOf("c3iad"),
        Set.copyOf(ips(ask("c3iad.vm.fearsome-bagel-43.internal.", Type.AAAA, ORD))));
  }

  @Test
  void vm_stoppedIsNoDataAndUnknownIsNxdomain() {
    assertNoData(ask("e5syd.vm.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    assertNxdomain(ask("zzz.vm.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    assertNxdomain(
        ask("r1iad.vm.fearsome-bagel-43.internal.", Type.AAAA, ORD)); // instance of another app
  }

  @Test
  void process_answersStartedInstancesOfGroup() {
    assertEquals(
        ipsOf("a1nrt", "b2iad", "d4ams"),
        Set.copyOf(ips(ask("web.process.fearsome-bagel-43.internal.", Type.AAAA, ORD))));
    assertEquals(
        ipsOf("c3iad"),
        Set.copyOf(ips(ask("worker.process.fearsome-bagel-43.internal.", Type.AAAA, ORD))));
    assertNxdomain(ask("cron.process.fearsome-bagel-43.internal.", Type.AAAA, ORD));
  }

  @Test
  void regions_isOneCommaSeparatedTxt() {
    assertEquals(
        List.of("ams,iad,nrt"), txt(ask("regions.fearsome-bagel-43.internal.", Type.TXT, ORD)));
    assertEquals(
        List.of("ams,iad,nrt,syd"),
        txt(ask("all.regions.fearsome-bagel-43.internal.", Type.TXT, ORD)));
  }

  @Test
  void vms_isOneCommaSeparatedTxt() {
    assertEquals(
        List.of("a1nrt nrt passing,b2iad iad passing,c3iad iad passing,d4ams ams passing"),
        txt(ask("vms.fearsome-bagel-43.internal.", Type.TXT, ORD)));
    assertEquals(
        List.of(
            "a1nrt nrt passing,b2iad iad passing,c3iad iad passing,d4ams ams passing,e5syd syd"
                + " passing"),
        txt(ask("all.vms.fearsome-bagel-43.internal.", Type.TXT, ORD)));
  }

  private void health(String id, String check, HealthStatus status) {
    state.put(state.get(id).withCheck(check, status));
  }

  @Test
  void health_criticalLeavesEveryListingName_warningStays() {
    health("a1nrt", "http-80", HealthStatus.CRITICAL);
    health("b2iad", "http-80", HealthStatus.WARNING);
    health("d4ams", "http-80", HealthStatus.PASSING);
    health("d4ams", "tcp-6379", HealthStatus.CRITICAL);
    assertEquals(
        ipsOf("b2iad", "c3iad"),
        Set.copyOf(ips(ask("fearsome-bagel-43.internal.", Type.AAAA, ORD))));
    assertEquals(
        ipsOf("b2iad", "c3iad"),
        Set.copyOf(ips(ask("global.fearsome-bagel-43.internal.", Type.AAAA, ORD))));
    assertNoData(ask("nrt.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    assertEquals(
        ipsOf("b2iad"),
        Set.copyOf(ips(ask("web.process.fearsome-bagel-43.internal.", Type.AAAA, ORD))));
    assertEquals(
        ipsInOrder("b2iad", "c3iad"),
        ips(ask("top64.nearest.of.fearsome-bagel-43.internal.", Type.AAAA, NRT)));
    // addressing one instance bypasses health, as on Fly
    assertEquals(
        ipsOf("a1nrt"),
        Set.copyOf(ips(ask("a1nrt.vm.fearsome-bagel-43.internal.", Type.AAAA, ORD))));
    assertEquals(
        List.of("a1nrt nrt critical,b2iad iad warning,c3iad iad passing,d4ams ams critical"),
        txt(ask("vms.fearsome-bagel-43.internal.", Type.TXT, ORD)));
    assertTrue(
        txt(ask("_instances.internal.", Type.TXT, ORD))
            .getFirst()
            .contains(
                "instance=a1nrt,app=fearsome-bagel-43,ip="
                    + state.get("a1nrt").address()
                    + ",region=nrt,health=critical;"));
  }

  @Test
  void health_noneServing_answersNoData_andComesBackWhenOnePasses() {
    for (String id : List.of("a1nrt", "b2iad", "c3iad", "d4ams")) {
      health(id, "http-80", HealthStatus.CRITICAL);
    }
    ZoneAnswer none = ask("fearsome-bagel-43.internal.", Type.AAAA, ORD);
    assertNoData(none); // as Consul and Kubernetes: not every instance (fail open), not NXDOMAIN
    assertNoData(ask("iad.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    assertNoData(ask("top3.nearest.of.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    health("c3iad", "http-80", HealthStatus.PASSING);
    assertEquals(
        ipsOf("c3iad"), Set.copyOf(ips(ask("fearsome-bagel-43.internal.", Type.AAAA, ORD))));
  }

  @Test
  void health_srvAndMetadataAnswerOnlyServing() {
    state.declare("a1nrt", Map.of("tier", "edge"), List.of(new Port("http", 8080, "tcp")));
    state.declare("b2iad", Map.of("tier", "edge"), List.of(new Port("http", 8080, "tcp")));
    health("a1nrt", "http-8080", HealthStatus.CRITICAL);
    ZoneAnswer srv = ask("_http._tcp.fearsome-bagel-43.internal.", Type.SRV, ORD);
    assertEquals(1, srv.answers().size());
    assertEquals(
        "b2iad.vm.fearsome-bagel-43.internal.",
        ((SRVRecord) srv.answers().getFirst()).getTarget().toString());
    assertEquals(
        ipsOf("b2iad"),
        Set.copyOf(ips(ask("edge.tier.kv._metadata.fearsome-bagel-43.internal.", Type.AAAA, ORD))));
  }

  @Test
  void fence_answersAppliedOrPendingFromThisHostsOffsets() {
    InternalZone fenced = new InternalZone(state, p -> p == 3 ? 43 : 0);
    List<String> applied =
        txt(fenced.answer(Name.fromConstantString("3-42._fence.internal."), Type.TXT, ORD));
    assertEquals(List.of("status=applied,partition=3,offset=42,next=43"), applied);
    assertEquals(
        List.of("status=pending,partition=3,offset=43,next=43"),
        txt(fenced.answer(Name.fromConstantString("3-43._fence.internal."), Type.TXT, NET2)));
    assertEquals(
        List.of("status=pending,partition=0,offset=0,next=0"),
        txt(fenced.answer(Name.fromConstantString("0-0._fence.internal."), Type.TXT, ORD)));
    assertNoData(fenced.answer(Name.fromConstantString("_fence.internal."), Type.TXT, ORD));
    assertNoData(fenced.answer(Name.fromConstantString("3-42._fence.internal."), Type.AAAA, ORD));
    for (String bad : List.of("x-1", "3-", "-3", "3", "3-x", "99999999999-1", "1-2-3")) {
      assertNxdomain(
          fenced.answer(Name.fromConstantString(bad + "._fence.internal."), Type.TXT, ORD));
    }
  }

  @Test
  void apps_listsOnlyCallersNetwork() {
    assertEquals(
        List.of("caller-app,fearsome-bagel-43,redis-bagel-43"),
        txt(ask("_apps.internal.", Type.TXT, ORD)));
    assertEquals(
        List.of("fearsome-bagel-43,secret-app"), txt(ask("_apps.internal.", Type.TXT, NET2)));
  }

  @Test
  void instances_isOneSemicolonSeparatedTxt_allFormAddsStopped() {
    assertEquals(
        List.of(
            "instance=s1fra,app=secret-app,ip="
                + state.get("s1fra").address()
                + ",region=fra,health=passing;instance=x9fra,app=fearsome-bagel-43,ip="
                + state.get("x9fra").address()
                + ",region=fra,health=passing"),
        txt(ask("_instances.internal.", Type.TXT, NET2)));
    List<String> started = txt(ask("_instances.internal.", Type.TXT, ORD));
    assertEquals(1, started.size());
    assertEquals(6, started.getFirst().split(";").length);
    List<String> all = txt(ask("all._instances.internal.", Type.TXT, ORD));
    assertEquals(1, all.size());
    assertEquals(7, all.getFirst().split(";").length);
    assertTrue(all.getFirst().contains(";instance=e5syd,app=fearsome-bagel-43,"), all.getFirst());
  }

  @Test
  void instances_longListIsOneRecordOf255ByteStrings_clientsConcatenate() {
    for (int i = 0; i < 40; i++) {
      state.start(1, "fearsome-bagel-43", String.format("n%03dams", i), "app", "ams");
    }
    ZoneAnswer a = ask("_instances.internal.", Type.TXT, ORD);
    assertEquals(1, a.answers().size());
    TXTRecord record = (TXTRecord) a.answers().getFirst();
    List<String> strings = record.getStrings();
    assertTrue(strings.size() > 1, "split: " + strings.size());
    assertTrue(strings.stream().allMatch(s -> s.length() <= 255));
    // what a client does with a multi-string TXT record: concatenate, then split the entries
    String[] entries = String.join("", strings).split(";");
    assertEquals(46, entries.length);
    for (String e : entries) {
      assertTrue(
          e.matches(
              "instance=[a-z0-9]+,app=[a-z0-9-]+,ip=fdaa:[0-9a-f:]+,region=[a-z]+,health=[a-z]+"),
          e);
    }
  }

  @Test
  void shortenedList_ofInstances_cutsAtTheLastSemicolon() {
    String text = "instance=a,app=x,ip=fdaa::1,region=ams;instance=b,app=x,ip=fdaa::2,region=ams";
    TXTRecord list =
        (TXTRecord) InternalZone.txt(Name.fromConstantString("_instances.internal."), text);
    Record cut = InternalZone.shortenedList(list, 60);
    assertEquals(
        "instance=a,app=x,ip=fdaa::1,region=ams", String.join("", ((TXTRecord) cut).getStrings()));
  }

  /** Gives instance {@code id} of the fixture the named ports. */
  private void declare(String id, Port... ports) {
    state.declare(id, state.get(id).metadata(), List.of(ports));
  }

  @Test
  void srv_answersStartedInstancesDeclaringThePort_withTheirAaaaAsAdditional() {
    declare("a1nrt", new Port("http", 8080, "tcp"), new Port("dns", 53, "udp"));
    declare("b2iad", new Port("http", 8081, "tcp"));
    declare("e5syd", new Port("http", 9000, "tcp")); // stopped
    ZoneAnswer a = ask("_http._tcp.fearsome-bagel-43.internal.", Type.SRV, ORD);
    assertEquals(Rcode.NOERROR, a.rcode());
    Map<String, Integer> ports = new java.util.HashMap<>();
    for (Record r : a.answers()) {
      SRVRecord srv = (SRVRecord) r;
      assertEquals(0, srv.getPriority());
      assertEquals(1, srv.getWeight());
      ports.put(srv.getTarget().toString(), srv.getPort());
    }
    assertEquals(
        Map.of(
            "a1nrt.vm.fearsome-bagel-43.internal.", 8080,
            "b2iad.vm.fearsome-bagel-43.internal.", 8081),
        ports);
    Map<String, String> glue = new java.util.HashMap<>();
    for (Record r : a.additional()) {
      glue.put(
          r.getName().toString(),
          SixpnAddress.parse(((AAAARecord) r).getAddress().getHostAddress()).toString());
    }
    assertEquals(
        Map.of(
            "a1nrt.vm.fearsome-bagel-43.internal.", state.get("a1nrt").address().toString(),
            "b2iad.vm.fearsome-bagel-43.internal.", state.get("b2iad").address().toString()),
        glue);
    assertEquals(
        List.of(53),
        ask("_dns._udp.fearsome-bagel-43.internal.", Type.SRV, ORD).answers().stream()
            .map(r -> ((SRVRecord) r).getPort())
            .toList());
  }

  @Test
  void srv_negativeAnswers_nxdomainNodataAndScope() {
    declare("a1nrt", new Port("http", 8080, "tcp"));
    declare("e5syd", new Port("admin", 9000, "tcp")); // declared only by a stopped instance
    assertNoData(ask("_http._tcp.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    assertNoData(ask("_admin._tcp.fearsome-bagel-43.internal.", Type.SRV, ORD));
    assertNoData(ask("_tcp.fearsome-bagel-43.internal.", Type.SRV, ORD));
    assertNxdomain(ask("_udp.fearsome-bagel-43.internal.", Type.SRV, ORD));
    assertNxdomain(ask("_http._udp.fearsome-bagel-43.internal.", Type.SRV, ORD));
    assertNxdomain(ask("_ftp._tcp.fearsome-bagel-43.internal.", Type.SRV, ORD));
    assertNxdomain(ask("_http._tcp.redis-bagel-43.internal.", Type.SRV, ORD));
    // another network has an app of that name: not these instances
    assertNxdomain(ask("_http._tcp.fearsome-bagel-43.internal.", Type.SRV, NET2));
    assertNxdomain(ask("_http._tcp.fearsome-bagel-43.internal.", Type.SRV, Caller.host()));
  }

  @Test
  void metadataKv_matchesStartedInstancesWithLabelSafeEntries() {
    state.declare("a1nrt", Map.of("role", "primary", "Team", "dns"), List.of());
    state.declare("b2iad", Map.of("role", "replica", "note", "Not A Label"), List.of());
    state.declare("c3iad", Map.of("role", "replica"), List.of());
    state.declare("e5syd", Map.of("role", "standby"), List.of()); // stopped
    assertEquals(
        ipsOf("b2iad", "c3iad"),
        Set.copyOf(
            ips(ask("replica.role.kv._metadata.fearsome-bagel-43.internal.", Type.AAAA, ORD))));
    assertEquals(
        List.of(state.get("a1nrt").address().toString()),
        ips(ask("PRIMARY.Role.kv._metadata.fearsome-bagel-43.internal.", Type.AAAA, ORD)));
    assertNoData(ask("standby.role.kv._metadata.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    assertNoData(ask("role.kv._metadata.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    assertNoData(ask("kv._metadata.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    assertNoData(ask("_metadata.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    assertNxdomain(ask("leader.role.kv._metadata.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    // keys and values that are not DNS labels have no name
    assertNxdomain(ask("dns.team.kv._metadata.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    assertNxdomain(ask("note.kv._metadata.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    assertNxdomain(ask("replica.role.kv._metadata.nope.internal.", Type.AAAA, ORD));
    assertNxdomain(ask("replica.role.kv._metadata.fearsome-bagel-43.internal.", Type.AAAA, NET2));
  }

  @Test
  void existingNameAskedForOtherType_isNoDataWithSoa() {
    assertNoData(ask("fearsome-bagel-43.internal.", Type.A, ORD));
    assertNoData(ask("fearsome-bagel-43.internal.", Type.TXT, ORD));
    assertNoData(ask("regions.fearsome-bagel-43.internal.", Type.AAAA, ORD));
  }

  @Test
  void emptyNonTerminals_areNoDataNotNxdomain() {
    for (String n :
        List.of(
            "vm.fearsome-bagel-43.internal.",
            "process.fearsome-bagel-43.internal.",
            "of.fearsome-bagel-43.internal.",
            "nearest.of.fearsome-bagel-43.internal.",
            "all.fearsome-bagel-43.internal.",
            "all.internal.")) {
      assertNoData(ask(n, Type.AAAA, ORD));
    }
  }

  @Test
  void any_returnsEveryRecordOfTheName() {
    assertEquals(4, ask("fearsome-bagel-43.internal.", Type.ANY, ORD).answers().size());
  }

  @Test
  void unknownAndDeepNames_areNxdomain() {
    assertNxdomain(ask("nope.internal.", Type.AAAA, ORD));
    assertNxdomain(ask("a.b.c.d.e.fearsome-bagel-43.internal.", Type.AAAA, ORD));
    assertNxdomain(ask("x.y.internal.", Type.AAAA, ORD));
  }

  @Test
  void names_matchCaseInsensitively() {
    ZoneAnswer a = ask("FearSome-BAGEL-43.InTeRnAl.", Type.AAAA, ORD);
    assertEquals(ipsOf("a1nrt", "b2iad", "c3iad", "d4ams"), Set.copyOf(ips(a)));
    assertEquals(
        ipsOf("c3iad"),
        Set.copyOf(ips(ask("C3IAD.VM.fearsome-bagel-43.internal.", Type.AAAA, ORD))));
    assertEquals(
        List.of("ams,iad,nrt"), txt(ask("REGIONS.Fearsome-Bagel-43.internal.", Type.TXT, ORD)));
  }

  @Test
  void apex_hasSoaAndNs() {
    ZoneAnswer soa = ask("internal.", Type.SOA, ORD);
    assertEquals(1, soa.answers().size());
    assertEquals(
        Name.fromConstantString("internal."), ((SOARecord) soa.answers().getFirst()).getHost());
    assertEquals(
        Name.fromConstantString("hostmaster.internal."),
        ((SOARecord) soa.answers().getFirst()).getAdmin());
    ZoneAnswer ns = ask("internal.", Type.NS, Caller.host());
    assertEquals(
        Name.fromConstantString("internal."), ((NSRecord) ns.answers().getFirst()).getTarget());
    assertEquals(
        Set.of(InetAddress.ofLiteral("fdaa::3")),
        ask("internal.", Type.AAAA, ORD).answers().stream()
            .map(r -> ((AAAARecord) r).getAddress())
            .collect(Collectors.toSet()));
    assertNoData(ask("internal.", Type.TXT, ORD));
  }

  @Test
  void host_seesNoNetworksNames() {
    assertNxdomain(ask("fearsome-bagel-43.internal.", Type.AAAA, Caller.host()));
    assertNxdomain(ask("_apps.internal.", Type.TXT, Caller.host()));
    assertNxdomain(ask("_instances.internal.", Type.TXT, Caller.host()));
    assertNxdomain(ask(state.get("a1nrt").address().reverseName(), Type.PTR, Caller.host()));
  }

  @Test
  void ptr_ofOwnNetworkNamesTheVm() {
    ZoneAnswer a = ask(state.get("b2iad").address().reverseName(), Type.PTR, ORD);
    assertEquals(Rcode.NOERROR, a.rcode());
    assertEquals(
        Name.fromConstantString("b2iad.vm.fearsome-bagel-43.internal."),
        ((PTRRecord) a.answers().getFirst()).getTarget());
    ZoneAnswer upper = ask(state.get("b2iad").address().reverseName().toUpperCase(), Type.PTR, ORD);
    assertEquals(1, upper.answers().size());
  }

  @Test
  void ptr_ofOtherNetworkOrUnknownAddressIsNxdomain() {
    assertNxdomain(ask(state.get("s1fra").address().reverseName(), Type.PTR, ORD));
    assertNxdomain(ask(SixpnAddress.ofInstance(1, 7, 9999).reverseName(), Type.PTR, ORD));
  }

  @Test
  void ptr_partialNamesInsideOwnPrefixAreNoDataOthersNxdomain() {
    String own = SixpnAddress.ofInstance(1, 0, 0).reverseName(); // 32 nibbles + ip6.arpa.
    String ownNetworkPrefix = own.substring(2 * 20); // the 12 most significant nibbles
    assertNoData(ask(ownNetworkPrefix, Type.PTR, ORD));
    String otherNetworkPrefix = SixpnAddress.ofInstance(2, 0, 0).reverseName().substring(2 * 20);
    assertNxdomain(ask(otherNetworkPrefix, Type.PTR, ORD));
    assertEquals(Rcode.NOERROR, ask("a.a.d.f.ip6.arpa.", Type.SOA, ORD).rcode());
    assertEquals(1, ask("a.a.d.f.ip6.arpa.", Type.SOA, ORD).answers().size());
  }

  @Test
  void answer_outsideZoneIsMisuse() {
    assertThrows(IllegalArgumentException.class, () -> ask("example.com.", Type.A, ORD));
    assertTrue(InternalZone.isAuthoritativeFor(Name.fromConstantString("X.INTERNAL.")));
    assertFalse(InternalZone.isAuthoritativeFor(Name.fromConstantString("internal.example.")));
    assertFalse(
        InternalZone.isAuthoritativeFor(Name.fromConstantString("1.0.0.127.in-addr.arpa.")));
  }

  @Test
  void txt_longTextIsSplitInto255ByteStrings() {
    Record r = InternalZone.txt(Name.fromConstantString("x.internal."), "a".repeat(600));
    List<String> strings = ((TXTRecord) r).getStrings();
    assertEquals(List.of(255, 255, 90), strings.stream().map(String::length).toList());
  }

  @Test
  void caller_validatesFields() {
    assertThrows(IllegalArgumentException.class, () -> new Caller(-1, null));
    assertThrows(IllegalArgumentException.class, () -> new Caller(1L << 32, null));
    assertThrows(IllegalArgumentException.class, () -> new Caller(1, ""));
  }

  @Test
  void peer_listsTheNetworksPeersAndAnswersEachOnesAddress() {
    state.addPeer(1, "laptop", 1, 7);
    state.addPeer(1, "ci", 2, 3);
    state.addPeer(2, "other-org", 1, 1);
    assertEquals(List.of("ci,laptop"), txt(ask("_peer.internal.", Type.TXT, ORD)));
    assertEquals(
        List.of(SixpnAddress.ofPeer(1, 1, 7).toString()),
        ips(ask("laptop._peer.internal.", Type.AAAA, ORD)));
    assertNxdomain(ask("other-org._peer.internal.", Type.AAAA, ORD));
    assertEquals(List.of("other-org"), txt(ask("_peer.internal.", Type.TXT, NET2)));
  }
}
