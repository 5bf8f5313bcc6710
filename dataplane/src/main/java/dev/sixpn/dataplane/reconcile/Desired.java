package dev.sixpn.dataplane.reconcile;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.bpf.ProgramLoader;
import dev.sixpn.dataplane.link.LinkNames;
import dev.sixpn.dataplane.link.Prefixes;
import dev.sixpn.dataplane.maps.LinkInfo;
import dev.sixpn.dataplane.maps.LocalInstance;
import dev.sixpn.dataplane.wireguard.PeerConfig;
import dev.sixpn.dataplane.wireguard.WgKey;
import dev.sixpn.events.Endpoint;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import dev.sixpn.state.Peer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one host's dataplane should hold, computed from the projected state and the links that
 * exist. A pure function of its inputs.
 *
 * @param instances started local instances whose link exists
 * @param routes canonical prefix to device: a /128 per local instance and fdab::/16 to the mesh
 * @param files namespace name to the instance whose resolver files it gets
 * @param missingLinks instances that are started here but whose link does not exist (yet)
 * @param gatewayPeers the peer device's peers: those whose gateway this host is, each allowed its
 *     own /128 only (locals entries with {@link LocalInstance#PEER} and /128 routes to the peer
 *     device come with them once the device exists)
 */
public record Desired(
    Map<Integer, LinkInfo> links,
    Map<SixpnAddress, LocalInstance> locals,
    List<InstancePlumbing> instances,
    Map<String, String> routes,
    Map<String, InstancePlumbing> files,
    Map<WgKey, PeerConfig> peers,
    List<String> missingLinks,
    Map<WgKey, PeerConfig> gatewayPeers) {

  /** Every mesh-form address is routed to the WireGuard device; WireGuard picks the peer. */
  public static final String MESH_ROUTE = Prefixes.canonical("fdab::/16");

  /**
   * 6PN addresses that are not a local instance's /128 (or answered by the host itself) must not
   * follow the host's default route out to the underlay: more specific routes win, this catches the
   * rest.
   */
  public static final String SIXPN_UNREACHABLE = Prefixes.canonical("fdaa::/16");

  private static final Logger log = LoggerFactory.getLogger(Desired.class);

  /**
   * @param localInstances instances placed on {@code host} (any status)
   * @param hosts every host that joined and did not leave
   * @param links the host namespace's links, name to ifindex
   * @param netnsExists whether a named network namespace exists (for resolver files)
   */
  public static Desired compute(
      long host,
      List<Instance> localInstances,
      List<Host> hosts,
      Map<String, Integer> links,
      Predicate<String> netnsExists,
      String wgDevice,
      int keepaliveSeconds) {
    return compute(
        host,
        localInstances,
        List.of(),
        new Peers().of(hosts, host, keepaliveSeconds),
        links,
        netnsExists,
        wgDevice,
        null);
  }

  /**
   * The peers of earlier passes by host: with thousands of hosts, decoding every key and endpoint
   * again each pass would be most of the pass, and almost every record is unchanged; {@link
   * #changed} says which peers differ from the previous pass, so the reconciler can diff those
   * alone. One per reconciler; not thread-safe.
   */
  public static final class Peers {
    private static final class Known {
      Host host;
      PeerConfig peer;
      long pass;
    }

    private final Map<Long, Known> byHost = new HashMap<>();
    private final Map<WgKey, PeerConfig> peers = new HashMap<>();
    private Set<WgKey> changed = new HashSet<>();
    private long pass;

    /** Keys whose peer was added, changed or removed by the last {@link #of} call. */
    public Set<WgKey> changed() {
      return changed;
    }

    /** Whether {@link #of} ran at least once. */
    public boolean computed() {
      return pass > 0;
    }

    /** The peers of the last {@link #of}, for a pass that knows no host record changed since. */
    public Map<WgKey, PeerConfig> unchanged() {
      changed = Set.of();
      return peers;
    }

    /** Every other host's peer, from the hosts' records. */
    public Map<WgKey, PeerConfig> of(List<Host> hosts, long self, int keepaliveSeconds) {
      long now = ++pass;
      Set<WgKey> diff = new HashSet<>();
      int seen = 0;
      for (Host h : hosts) {
        if (h.host() == self) {
          continue;
        }
        seen++;
        Known k = byHost.get(h.host());
        if (k == null) {
          k = new Known();
          byHost.put(h.host(), k);
        } else if (k.host.equals(h)) {
          k.pass = now;
          continue;
        } else if (k.peer != null) {
          peers.remove(k.peer.publicKey());
          diff.add(k.peer.publicKey());
        }
        k.host = h;
        k.pass = now;
        k.peer = peerOf(h, keepaliveSeconds);
        if (k.peer != null) {
          peers.put(k.peer.publicKey(), k.peer);
          diff.add(k.peer.publicKey());
        }
      }
      if (byHost.size() != seen) { // some host left
        byHost
            .values()
            .removeIf(
                k -> {
                  if (k.pass == now) {
                    return false;
                  }
                  if (k.peer != null) {
                    peers.remove(k.peer.publicKey());
                    diff.add(k.peer.publicKey());
                  }
                  return true;
                });
      }
      changed = diff;
      return peers;
    }
  }

  /** The peer of host {@code h}, or null (logged) when its key or endpoint is unusable. */
  private static PeerConfig peerOf(Host h, int keepaliveSeconds) {
    try {
      WgKey key = new WgKey(h.wireguardPublicKey());
      return new PeerConfig(
          key,
          Endpoint.parse(h.endpoint()),
          List.of(SixpnAddress.meshPrefixOfHost(h.host())),
          keepaliveSeconds);
    } catch (IllegalArgumentException e) {
      log.warn("host skipped: bad key or endpoint host={} reason={}", h.host(), e.getMessage());
      return null;
    }
  }

  /**
   * @param localPeers peers whose gateway is {@code host}
   * @param meshPeers the other hosts' peers ({@link Peers#of})
   * @param peerDevice the peer device's name, null if this host has none
   */
  public static Desired compute(
      long host,
      List<Instance> localInstances,
      List<Peer> localPeers,
      Map<WgKey, PeerConfig> meshPeers,
      Map<String, Integer> links,
      Predicate<String> netnsExists,
      String wgDevice,
      String peerDevice) {
    Map<Integer, LinkInfo> linkMap = new HashMap<>();
    Map<SixpnAddress, LocalInstance> locals = new HashMap<>();
    List<InstancePlumbing> instances = new ArrayList<>();
    Map<String, String> routes = new HashMap<>();
    Map<String, InstancePlumbing> files = new HashMap<>();
    List<String> missing = new ArrayList<>();
    routes.put(MESH_ROUTE, wgDevice);
    routes.put(SIXPN_UNREACHABLE, dev.sixpn.dataplane.link.HostPlumbing.UNREACHABLE);
    for (Instance i : localInstances) {
      if (!i.started() || i.host() != host) {
        continue;
      }
      String link = LinkNames.hostSideLink(i);
      Integer ifindex = links.get(link);
      if (ifindex == null) {
        missing.add(i.instanceId());
        continue;
      }
      if (linkMap.containsKey(ifindex)) {
        log.warn("two instances claim one link link={} instance={}", link, i.instanceId());
        continue;
      }
      int flags = i.hostAccess() ? LinkInfo.ALLOW_HOST : 0;
      linkMap.put(ifindex, new LinkInfo(i.address(), flags));
      locals.put(i.address(), new LocalInstance(ifindex, 0));
      routes.put(Prefixes.host(i.address()), link);
      String netns = LinkNames.netnsName(i);
      InstancePlumbing p =
          new InstancePlumbing(
              i.instanceId(), i.address(), link, ifindex, netnsExists.test(netns) ? netns : null);
      instances.add(p);
      if (p.netns() != null) {
        files.put(netns, p);
      }
    }
    Map<WgKey, PeerConfig> gatewayPeers = new HashMap<>();
    Integer peerIfindex = peerDevice == null ? null : links.get(peerDevice);
    for (Peer p : localPeers) {
      if (p.gatewayHost() != host || peerDevice == null) {
        continue;
      }
      WgKey key;
      try {
        key = new WgKey(p.publicKey());
      } catch (IllegalArgumentException e) {
        log.warn("peer skipped: bad key peer={} reason={}", p.name(), e.getMessage());
        continue;
      }
      // A laptop roams and sits behind NAT: no endpoint, WireGuard learns it from the handshake.
      gatewayPeers.put(key, new PeerConfig(key, null, List.of(Prefixes.host(p.address())), 0));
      if (peerIfindex != null) {
        locals.put(p.address(), new LocalInstance(peerIfindex, LocalInstance.PEER));
        routes.put(Prefixes.host(p.address()), peerDevice);
      }
    }
    return new Desired(linkMap, locals, instances, routes, files, meshPeers, missing, gatewayPeers);
  }

  /** The loopback device: traffic on it is the host's own, never filtered. */
  public static final String LOOPBACK = "lo";

  /**
   * Which of our programs each interface of the host namespace gets, from its name alone: instance
   * links ({@code 6p} + 13 hex) from_instance, whether or not their instance has started (with no
   * sixpn_links entry, everything from them is dropped); the WireGuard device from_mesh; every
   * other interface but {@code lo} from_underlay, so a 6PN or mesh-form destination that arrives
   * anywhere but the tunnel or an instance link is dropped (fail closed, with no list to forget).
   */
  public static Map<Integer, String> programs(Map<String, Integer> links, String wgDevice) {
    return programs(links, wgDevice, null);
  }

  /** As {@link #programs(Map, String)}, and the peer device (if not null) gets from_peer. */
  public static Map<Integer, String> programs(
      Map<String, Integer> links, String wgDevice, String peerDevice) {
    Map<Integer, String> out = new HashMap<>();
    links.forEach(
        (name, ifindex) -> {
          if (name.equals(LOOPBACK)) {
            return;
          }
          out.put(
              ifindex,
              name.equals(wgDevice)
                  ? ProgramLoader.FROM_MESH
                  : name.equals(peerDevice)
                      ? ProgramLoader.FROM_PEER
                      : LinkNames.isInstanceLink(name)
                          ? ProgramLoader.FROM_INSTANCE
                          : ProgramLoader.FROM_UNDERLAY);
        });
    return out;
  }
}
