package dev.sixpn.dns.zone;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.Port;
import dev.sixpn.events.Validate;
import dev.sixpn.state.AppliedOffsets;
import dev.sixpn.state.GeoPoint;
import dev.sixpn.state.Instance;
import dev.sixpn.state.Peer;
import dev.sixpn.state.StateReader;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The {@code internal.} zone and the 6PN reverse zone {@code a.a.d.f.ip6.arpa.}, answered from the
 * projected state for one caller's network. Pure logic: no I/O besides {@link StateReader}.
 *
 * <p>Names, relative to {@code internal.}:
 *
 * <ul>
 *   <li>{@code <app>}, {@code global.<app>}: AAAA of started instances
 *   <li>{@code <region>.<app>}: AAAA of started instances in the region
 *   <li>{@code top<N>.nearest.of.<app>}: AAAA of the N started instances nearest the caller's
 *       region (great-circle distance of region locations; ties by region name, then instance id;
 *       regions without a location last); N above {@link #MAX_TOP} is answered as {@link #MAX_TOP}
 *   <li>{@code <id>.vm.<app>}, {@code <group>.process.<app>}: AAAA
 *   <li>TXT, each ONE record as on Fly (long text split into 255-byte character-strings of that
 *       record, RFC 1035 §3.3.14): {@code regions.<app>} and {@code _apps} (comma-separated),
 *       {@code vms.<app>} ({@code <id> <region> <health>} entries, comma-separated; Fly's two
 *       fields first), {@code _instances} ({@code instance=..,app=..,ip=..,region=..,health=..}
 *       entries separated by {@code ;}), and the {@code all.} forms {@code all.vms.<app>}, {@code
 *       all.regions.<app>}, {@code all._instances} including stopped instances
 *   <li>SRV {@code _<service>._<protocol>.<app>}: the started instances that declare the named
 *       port, targets {@code <id>.vm.<app>.internal.} with their AAAA as additional records
 *   <li>{@code <value>.<key>.kv._metadata.<app>}: AAAA of started instances whose metadata has
 *       {@code key=value} (both DNS labels; other entries have no name)
 *   <li>{@code <partition>-<offset>._fence.internal}: TXT, whether this host has applied that
 *       record of the lifecycle topic; never cached
 *   <li>{@code _peer}: TXT, one record, the network's WireGuard peers' names comma-separated;
 *       {@code <peer>._peer}: AAAA of that peer
 *   <li>the apex: SOA, NS and AAAA {@code fdaa::3}. The NS target and SOA MNAME are the apex
 *       itself: every hostname one label below could be an app's name, and a name with an
 *       underscore fails hostname checks (BIND's check-names rejects such an NS target)
 * </ul>
 *
 * <p>Health: every name that lists an app's instances (the app, {@code global}, regions, {@code
 * top<N>}, process groups, SRV, metadata) answers the <em>serving</em> ones, started with no check
 * critical ({@link Instance#serving()}); when none serves, the name answers no records (NOERROR, no
 * data), as Consul and Kubernetes do. {@code <id>.vm.<app>} answers a started instance whatever its
 * checks (addressing one instance on purpose), and the TXT lists show each instance's health.
 *
 * <p>Empty non-terminals ({@code vm.<app>}, {@code process.<app>}, {@code of.<app>}, {@code
 * nearest.of.<app>}, {@code all.<app>}, {@code all}) answer NOERROR with no data, not NXDOMAIN: RFC
 * 8020 lets resolvers treat NXDOMAIN as "nothing below".
 *
 * <p>A name that does not exist in the caller's network is NXDOMAIN whether or not it exists in
 * another network. The host (network 0) sees only the apex. Negative answers carry the zone's SOA
 * (RFC 2308 §3), whose TTL and minimum are {@link #TTL}.
 */
public final class InternalZone {

  /** TTL of every record we serve: state changes within seconds, caches must follow. */
  public static final long TTL = 5;

  public static final Name ORIGIN = Name.fromConstantString("internal.");
  public static final Name REVERSE_ORIGIN = Name.fromConstantString("a.a.d.f.ip6.arpa.");
  static final Name NS_NAME = ORIGIN;

  /**
   * A mailbox (RFC 1035 §3.3.13), not looked up as a name: no clash with an app called hostmaster.
   */
  private static final Name HOSTMASTER = Name.fromConstantString("hostmaster.internal.");

  /**
   * Upper bound for N in {@code top<N>}: {@code top1000} is answered like {@code top64} (at most N,
   * as for an app with fewer instances), not NXDOMAIN, so that a name that resolved before keeps
   * resolving. Why 64: N is for picking a few nearby instances; the answer of each distinct name is
   * cached, and without a bound every {@code top<N>} up to the whole app (say 10,000 instances, 2
   * MB cached) would be its own large entry, one name per N. 64 AAAA are 1.8 KB on the wire (the
   * first ~40 in a 1232-byte UDP answer with TC, all 64 over TCP).
   */
  public static final int MAX_TOP = 64;

  /**
   * Records in one answer at most: the DNS header counts them in 16 bits. No message carries more
   * than ~5,000 records anyway (65,535 bytes); beyond this the rotation covers the first ones in
   * the name's order (a network's {@code _instances} past 65,535 instances).
   */
  static final int MAX_ANSWER_RECORDS = 0xffff;

  private static final int MAX_TXT_STRING = 255;

  private final StateReader state;
  private final AppliedOffsets applied;
  private final SOARecord soa;
  private final SOARecord reverseSoa;
  private final List<Record> apex;

  public InternalZone(StateReader state) {
    this(state, AppliedOffsets.NONE);
  }

  /** A zone whose fence names answer from {@code applied}. */
  public InternalZone(StateReader state, AppliedOffsets applied) {
    this.state = Objects.requireNonNull(state, "state");
    this.applied = Objects.requireNonNull(applied, "applied");
    this.soa = soaOf(ORIGIN);
    this.reverseSoa = soaOf(REVERSE_ORIGIN);
    this.apex =
        List.of(
            soa,
            new NSRecord(ORIGIN, DClass.IN, TTL, NS_NAME),
            aaaa(ORIGIN, SixpnAddress.RESOLVER));
  }

  private static SOARecord soaOf(Name origin) {
    // serial 1: nothing transfers this zone; refresh/retry/expire are nominal for the same reason.
    return new SOARecord(origin, DClass.IN, TTL, NS_NAME, HOSTMASTER, 1, 3600, 600, 86400, TTL);
  }

  /** True for names this zone answers; everything else is forwarded. */
  public static boolean isAuthoritativeFor(Name qname) {
    return qname.subdomain(ORIGIN) || qname.subdomain(REVERSE_ORIGIN);
  }

  public SOARecord soa() {
    return soa;
  }

  /**
   * Answers one question for one caller.
   *
   * @throws IllegalArgumentException if the name is outside this zone
   */
  public ZoneAnswer answer(Name qname, int qtype, Caller caller) {
    Objects.requireNonNull(caller, "caller");
    if (qname.subdomain(ORIGIN)) {
      return select(forwardNode(qname, caller), qtype, soa);
    }
    if (qname.subdomain(REVERSE_ORIGIN)) {
      return select(reverseNode(qname, caller), qtype, reverseSoa);
    }
    throw new IllegalArgumentException(
        "qname " + qname + " is outside internal. and a.a.d.f.ip6.arpa.");
  }

  /** The records at a name that exists; {@code null} stands for a name that does not. */
  private record Node(List<Record> records, boolean rotate, List<Record> additional) {
    static final Node EMPTY = new Node(List.of(), false);

    Node(List<Record> records, boolean rotate) {
      this(records, rotate, List.of());
    }
  }

  private static ZoneAnswer select(Node node, int qtype, SOARecord soa) {
    if (node == null) {
      return new ZoneAnswer(Rcode.NXDOMAIN, List.of(), List.of(soa), false);
    }
    List<Record> matching;
    if (qtype == Type.ANY) {
      matching = node.records;
    } else {
      matching = new ArrayList<>(node.records.size());
      for (Record r : node.records) {
        if (r.getType() == qtype) {
          matching.add(r);
        }
      }
    }
    if (matching.isEmpty()) {
      return new ZoneAnswer(Rcode.NOERROR, List.of(), List.of(soa), false);
    }
    if (matching.size() > MAX_ANSWER_RECORDS) {
      matching = matching.subList(0, MAX_ANSWER_RECORDS);
    }
    return new ZoneAnswer(
        Rcode.NOERROR,
        matching,
        List.of(),
        node.rotate,
        qtype == Type.SRV || qtype == Type.ANY ? node.additional : List.of());
  }

  private Node forwardNode(Name qname, Caller caller) {
    int depth = qname.labels() - ORIGIN.labels();
    String[] l = new String[depth];
    for (int i = 0; i < depth; i++) {
      l[i] = qname.getLabelString(i).toLowerCase(Locale.ROOT);
    }
    Name owner = qname.canonicalize();
    if (depth == 0) {
      return new Node(apex, false);
    }
    if (caller.isHost()) {
      return null;
    }
    long net = caller.network();
    return switch (depth) {
      case 1 ->
          switch (l[0]) {
            case "_apps" -> new Node(joinedTxt(owner, state.appsOfNetwork(net)), false);
            case "_peer" ->
                new Node(
                    joinedTxt(owner, state.peersOfNetwork(net).stream().map(Peer::name).toList()),
                    false);
            case "_instances" ->
                new Node(instancesTxt(owner, state.instancesOfNetwork(net, false)), false);
            case FENCE -> Node.EMPTY;
            default -> {
              if (state.appExists(net, l[0])) {
                yield addresses(owner, serving(state.instancesOfApp(net, l[0], false)));
              }
              // all._instances exists below it
              yield l[0].equals("all") ? Node.EMPTY : null;
            }
          };
      case 2 -> {
        String app = l[1];
        if (app.equals(FENCE)) {
          yield fence(owner, l[0]);
        }
        if (app.equals("_peer")) {
          String name = l[0];
          yield state.peersOfNetwork(net).stream()
              .filter(p -> p.name().equals(name))
              .findFirst()
              .map(p -> new Node(List.of(aaaa(owner, p.address())), false))
              .orElse(null);
        }
        if (app.equals("_instances")) {
          yield l[0].equals("all")
              ? new Node(instancesTxt(owner, state.instancesOfNetwork(net, true)), false)
              : null;
        }
        if (!state.appExists(net, app)) {
          yield null;
        }
        if (l[0].equals("_metadata")) {
          yield Node.EMPTY; // above kv._metadata.<app>
        }
        if (l[0].equals("_tcp") || l[0].equals("_udp")) {
          // an empty non-terminal above the app's SRV names of that protocol
          String protocol = l[0].substring(1);
          boolean any =
              state.instancesOfApp(net, app, true).stream()
                  .anyMatch(i -> i.ports().stream().anyMatch(p -> p.protocol().equals(protocol)));
          yield any ? Node.EMPTY : null;
        }
        yield switch (l[0]) {
          case "global" -> addresses(owner, serving(state.instancesOfApp(net, app, false)));
          case "regions" -> new Node(joinedTxt(owner, state.regionsOfApp(net, app, false)), false);
          case "vms" -> new Node(vmsTxt(owner, state.instancesOfApp(net, app, false)), false);
          case "vm", "process", "of", "all" -> Node.EMPTY;
          default ->
              state.regionsOfApp(net, app, true).contains(l[0])
                  ? addresses(owner, serving(state.instancesOfAppInRegion(net, app, l[0])))
                  : null;
        };
      }
      case 3 -> {
        String app = l[2];
        if (!state.appExists(net, app)) {
          yield null;
        }
        if (l[0].length() > 1
            && l[0].charAt(0) == '_'
            && (l[1].equals("_tcp") || l[1].equals("_udp"))) {
          yield srv(
              owner, state.instancesOfApp(net, app, true), l[0].substring(1), l[1].substring(1));
        }
        if (l[1].equals("vm")) {
          Optional<Instance> vm = state.instance(net, app, l[0]);
          yield vm.map(i -> i.started() ? addresses(owner, List.of(i)) : Node.EMPTY).orElse(null);
        }
        if (l[1].equals("process")) {
          boolean exists =
              state.instancesOfApp(net, app, true).stream()
                  .anyMatch(i -> i.processGroup().equals(l[0]));
          yield exists
              ? addresses(owner, serving(state.instancesOfProcessGroup(net, app, l[0])))
              : null;
        }
        if (l[0].equals("all") && l[1].equals("vms")) {
          yield new Node(vmsTxt(owner, state.instancesOfApp(net, app, true)), false);
        }
        if (l[0].equals("all") && l[1].equals("regions")) {
          yield new Node(joinedTxt(owner, state.regionsOfApp(net, app, true)), false);
        }
        if (l[0].equals("kv") && l[1].equals("_metadata")) {
          yield Node.EMPTY;
        }
        yield l[0].equals("nearest") && l[1].equals("of") ? Node.EMPTY : null;
      }
      case 4 -> {
        if (l[1].equals("kv") && l[2].equals("_metadata")) {
          yield state.appExists(net, l[3]) ? metadata(owner, net, l[3], l[0], null) : null;
        }
        int n = topN(l[0]);
        if (n < 1 || !l[1].equals("nearest") || !l[2].equals("of") || !state.appExists(net, l[3])) {
          yield null;
        }
        List<Instance> nearest =
            nearest(serving(state.instancesOfApp(net, l[3], false)), caller.region(), n);
        yield new Node(aaaaOf(owner, nearest), false);
      }
      case 5 -> {
        if (!l[2].equals("kv") || !l[3].equals("_metadata") || !state.appExists(net, l[4])) {
          yield null;
        }
        yield metadata(owner, net, l[4], l[1], l[0]);
      }
      default -> null;
    };
  }

  /**
   * {@code <value>.<key>.kv._metadata.<app>}: AAAA of the started instances whose metadata has
   * {@code key=value}; with {@code value} null, {@code <key>.kv._metadata.<app>}, the empty
   * non-terminal above the key's values. Only entries whose key and value are DNS labels have a
   * name (names are matched in lower case); a name no instance of the app has, stopped ones
   * included, does not exist.
   */
  private Node metadata(Name owner, long net, String app, String key, String value) {
    if (!Validate.isLabel(key) || (value != null && !Validate.isLabel(value))) {
      return null;
    }
    List<Instance> matching = new ArrayList<>();
    boolean exists = false;
    for (Instance i : state.instancesOfApp(net, app, true)) {
      String v = i.metadata().get(key);
      if (v == null || !Validate.isLabel(v) || (value != null && !v.equals(value))) {
        continue;
      }
      exists = true;
      if (i.serving()) {
        matching.add(i);
      }
    }
    if (!exists) {
      return null;
    }
    return value == null ? Node.EMPTY : addresses(owner, matching);
  }

  /** The label above {@code internal.} of the fence names. */
  static final String FENCE = "_fence";

  /**
   * {@code <partition>-<offset>._fence}: one TXT record, {@code
   * status=applied|pending,partition=<p>,offset=<o>,next=<n>}, {@code applied} once this host has
   * folded and committed that record of the lifecycle topic ({@code next}, the next offset it will
   * fold there, is above it). The answer is about this host, whose names the caller resolves: once
   * applied, every name this host answers reflects the event. A label not of that form does not
   * exist. The offsets say nothing about any network's names, so every caller may ask.
   */
  private Node fence(Name owner, String label) {
    int dash = label.indexOf('-');
    if (dash < 1 || dash == label.length() - 1) {
      return null;
    }
    int partition;
    long offset;
    try {
      partition = Integer.parseInt(label, 0, dash, 10);
      offset = Long.parseLong(label, dash + 1, label.length(), 10);
    } catch (NumberFormatException e) {
      return null;
    }
    if (partition < 0 || offset < 0) {
      return null;
    }
    long next = applied.next(partition);
    String text =
        "status="
            + (next > offset ? "applied" : "pending")
            + ",partition="
            + partition
            + ",offset="
            + offset
            + ",next="
            + next;
    return new Node(List.of(txt(owner, text)), false);
  }

  /** The instances of {@code instances} that serve: started, no check critical. */
  private static List<Instance> serving(List<Instance> instances) {
    for (Instance i : instances) {
      if (!i.serving()) {
        List<Instance> out = new ArrayList<>(instances.size());
        for (Instance j : instances) {
          if (j.serving()) {
            out.add(j);
          }
        }
        return out;
      }
    }
    return instances;
  }

  /** N of {@code top<N>} capped at {@link #MAX_TOP}, or -1 if the label is not that form. */
  static int topN(String label) {
    if (!label.startsWith("top") || label.length() < 4 || label.length() > 9) {
      return -1;
    }
    int n = 0;
    for (int i = 3; i < label.length(); i++) {
      char c = label.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n == 0 ? -1 : Math.min(n, MAX_TOP);
  }

  /**
   * The {@code n} instances nearest {@code callerRegion}. Distance is between region locations
   * (instances carry no coordinates of their own); the caller's own region is at distance 0 even
   * without a location; regions without a location sort after every located one. Ties by region
   * name, then instance id.
   *
   * <p>Linear in the instances: only the regions are sorted, and each region's instances keep the
   * id order the state lists them in ({@link StateReader}: instances sorted by id).
   */
  List<Instance> nearest(List<Instance> instances, String callerRegion, int n) {
    GeoPoint origin = callerRegion == null ? null : state.regionLocation(callerRegion).orElse(null);
    Map<String, List<Instance>> byRegion = new HashMap<>();
    for (Instance i : instances) {
      byRegion.computeIfAbsent(i.region(), r -> new ArrayList<>()).add(i);
    }
    Map<String, Double> distance = new HashMap<>();
    for (String r : byRegion.keySet()) {
      double d;
      if (r.equals(callerRegion)) {
        d = 0.0;
      } else if (origin == null) {
        d = Double.POSITIVE_INFINITY;
      } else {
        d = state.regionLocation(r).map(origin::distanceKm).orElse(Double.POSITIVE_INFINITY);
      }
      distance.put(r, d);
    }
    List<String> regions = new ArrayList<>(byRegion.keySet());
    regions.sort(
        Comparator.<String>comparingDouble(distance::get).thenComparing(Comparator.naturalOrder()));
    List<Instance> out = new ArrayList<>(Math.min(n, instances.size()));
    for (String r : regions) {
      List<Instance> here = byRegion.get(r);
      if (!isSortedById(here)) {
        here.sort(Comparator.comparing(Instance::instanceId));
      }
      for (Instance i : here) {
        if (out.size() == n) {
          return out;
        }
        out.add(i);
      }
    }
    return out;
  }

  private static boolean isSortedById(List<Instance> instances) {
    for (int i = 1; i < instances.size(); i++) {
      if (instances.get(i - 1).instanceId().compareTo(instances.get(i).instanceId()) > 0) {
        return false;
      }
    }
    return true;
  }

  private Node reverseNode(Name qname, Caller caller) {
    if (caller.isHost()) {
      return qname.equals(REVERSE_ORIGIN) ? new Node(List.of(reverseSoa), false) : null;
    }
    int nibbles = qname.labels() - 1 - 2; // minus root, "ip6", "arpa"
    if (nibbles == REVERSE_ORIGIN.labels() - 3) {
      return new Node(List.of(reverseSoa), false);
    }
    if (nibbles == 32) {
      Optional<SixpnAddress> address = SixpnAddress.fromReverseName(qname.toString());
      if (address.isEmpty() || address.get().network() != caller.network()) {
        return null;
      }
      return state
          .instanceByAddress(address.get())
          .filter(i -> i.network() == caller.network())
          .map(i -> new Node(List.of(ptr(qname.canonicalize(), i)), false))
          .orElse(null);
    }
    // A partial nibble name inside the caller's own /48 is an empty non-terminal of its addresses;
    // anything else (another network's prefix included) does not exist for this caller.
    if (nibbles > 32) {
      return null;
    }
    String own = new SixpnAddress(caller.network(), 0, 0, 0).reverseName();
    for (int fromTop = 0; fromTop < nibbles; fromTop++) {
      String label = qname.getLabelString(nibbles - 1 - fromTop);
      if (label.length() != 1 || Character.digit(label.charAt(0), 16) < 0) {
        return null;
      }
      // the 12 most significant nibbles are fdaa and the network; below them, any value
      if (fromTop < 12
          && Character.toLowerCase(label.charAt(0)) != own.charAt((31 - fromTop) * 2)) {
        return null;
      }
    }
    return Node.EMPTY;
  }

  /**
   * {@code _<service>._<protocol>.<app>}: one SRV per started instance declaring the port (RFC
   * 2782: priority 0, equal weight 1, its port, target {@code <id>.vm.<app>.internal.}), the
   * targets' AAAA as additional records. The name exists while any instance of the app, stopped
   * ones included, declares the port (no data then), like {@code <group>.process.<app>}.
   */
  private static Node srv(Name owner, List<Instance> instances, String service, String protocol) {
    List<Record> records = new ArrayList<>();
    List<Record> additional = new ArrayList<>();
    boolean declared = false;
    for (Instance i : instances) {
      for (Port p : i.ports()) {
        if (!p.name().equals(service) || !p.protocol().equals(protocol)) {
          continue;
        }
        declared = true;
        if (i.serving()) {
          Name target = vmName(i);
          records.add(new SRVRecord(owner, DClass.IN, TTL, 0, 1, p.port(), target));
          additional.add(aaaa(target, i.address()));
        }
      }
    }
    return declared ? new Node(records, true, additional) : null;
  }

  private static Name vmName(Instance i) {
    try {
      return Name.fromString(i.instanceId() + ".vm." + i.app() + ".internal.");
    } catch (TextParseException e) {
      throw new IllegalStateException("instance id is not a DNS label: " + i.instanceId(), e);
    }
  }

  private static Node addresses(Name owner, List<Instance> instances) {
    return new Node(aaaaOf(owner, instances), true);
  }

  private static List<Record> aaaaOf(Name owner, List<Instance> instances) {
    List<Record> out = new ArrayList<>(instances.size());
    for (Instance i : instances) {
      out.add(aaaa(owner, i.address()));
    }
    return out;
  }

  private static Record aaaa(Name owner, SixpnAddress address) {
    InetAddress ip = address.toInetAddress();
    return new AAAARecord(owner, DClass.IN, TTL, ip);
  }

  private static Record ptr(Name owner, Instance i) {
    return new PTRRecord(owner, DClass.IN, TTL, vmName(i));
  }

  private static List<Record> joinedTxt(Name owner, List<String> values) {
    return listTxt(owner, values, ',');
  }

  private static List<Record> vmsTxt(Name owner, List<Instance> instances) {
    List<String> entries = new ArrayList<>(instances.size());
    for (Instance i : instances) {
      entries.add(i.instanceId() + " " + i.region() + " " + i.health().wireName());
    }
    return listTxt(owner, entries, ',');
  }

  private static List<Record> instancesTxt(Name owner, List<Instance> instances) {
    List<String> entries = new ArrayList<>(instances.size());
    for (Instance i : instances) {
      entries.add(
          "instance="
              + i.instanceId()
              + ",app="
              + i.app()
              + ",ip="
              + i.address()
              + ",region="
              + i.region()
              + ",health="
              + i.health().wireName());
    }
    return listTxt(owner, entries, INSTANCES_SEPARATOR);
  }

  /** Between the entries of {@code _instances}, whose entries hold commas themselves. */
  private static final char INSTANCES_SEPARATOR = ';';

  /**
   * The data of one record at most (RDLENGTH is 16 bits): a list longer than that is kept as its
   * first entries, which is all one message could carry anyway.
   */
  private static final int MAX_RDATA = 0xffff;

  /**
   * The one TXT record of a list ({@code entries} joined by {@code separator}), cut at the last
   * separator within {@link #MAX_RDATA}; no record for an empty list.
   */
  private static List<Record> listTxt(Name owner, List<String> entries, char separator) {
    if (entries.isEmpty()) {
      return List.of();
    }
    byte[] text = String.join(String.valueOf(separator), entries).getBytes(StandardCharsets.UTF_8);
    int length =
        dataBytes(text.length) <= MAX_RDATA ? text.length : cut(text, separator, MAX_RDATA);
    return List.of(txt(owner, text, length));
  }

  /** RDATA bytes of {@code n} bytes of text: one length byte per 255-byte string. */
  private static int dataBytes(int n) {
    return n + (n + MAX_TXT_STRING - 1) / MAX_TXT_STRING;
  }

  /** The length of the longest prefix of whole entries within {@code maxDataBytes}, or -1. */
  private static int cut(byte[] text, char separator, int maxDataBytes) {
    int cut = -1;
    for (int i = 1; i < text.length; i++) {
      if (text[i] != separator) {
        continue;
      }
      if (dataBytes(i) > maxDataBytes) {
        break;
      }
      cut = i;
    }
    return cut;
  }

  /**
   * A one-record list ({@code regions.<app>}, {@code _apps}, {@code vms.<app>}: comma-separated;
   * {@code _instances}: {@code ;}-separated) shortened to its first entries, cut at the last
   * separator that keeps its data within {@code maxDataBytes}: what a message too small for the
   * whole list carries. Null if not even the first entry fits.
   */
  public static Record shortenedList(TXTRecord list, int maxDataBytes) {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    for (byte[] s : list.getStringsAsByteArrays()) {
      text.writeBytes(s);
    }
    byte[] bytes = text.toByteArray();
    Name owner = list.getName();
    // _instances.internal. or all._instances.internal.: the label above internal.
    char separator =
        owner.getLabelString(owner.labels() - 3).equalsIgnoreCase("_instances")
            ? INSTANCES_SEPARATOR
            : ',';
    int cut = cut(bytes, separator, maxDataBytes);
    return cut < 0 ? null : txt(owner, bytes, cut);
  }

  /**
   * One TXT record; text over 255 bytes is split into several character-strings (RFC 1035 §3.3.14).
   */
  static Record txt(Name owner, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return txt(owner, bytes, bytes.length);
  }

  /**
   * One TXT record of the first {@code length} bytes of {@code text}, in 255-byte strings. The text
   * is names, ids and addresses: ASCII, so a byte is a character.
   */
  private static Record txt(Name owner, byte[] text, int length) {
    List<String> strings = new ArrayList<>(length / MAX_TXT_STRING + 1);
    for (int off = 0; off < length; off += MAX_TXT_STRING) {
      int end = Math.min(length, off + MAX_TXT_STRING);
      strings.add(new String(text, off, end - off, StandardCharsets.ISO_8859_1));
    }
    return new TXTRecord(owner, DClass.IN, TTL, strings);
  }
}
