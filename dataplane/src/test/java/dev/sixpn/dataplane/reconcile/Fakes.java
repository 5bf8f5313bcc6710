package dev.sixpn.dataplane.reconcile;

import dev.sixpn.dataplane.bpf.Table;
import dev.sixpn.dataplane.link.HostPlumbing;
import dev.sixpn.dataplane.wireguard.DeviceState;
import dev.sixpn.dataplane.wireguard.PeerConfig;
import dev.sixpn.dataplane.wireguard.WgKey;
import dev.sixpn.dataplane.wireguard.WireGuardDevice;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** In-memory stand-ins for the kernel side, recording every write. */
final class Fakes {

  private Fakes() {}

  static final class FakeTable<K, V> implements Table<K, V> {
    final Map<K, V> map = new HashMap<>();
    final List<String> writes = new ArrayList<>();
    int reads;

    @Override
    public Map<K, V> entries() {
      reads++;
      return new HashMap<>(map);
    }

    @Override
    public void put(K key, V value) {
      writes.add("put " + key);
      map.put(key, value);
    }

    @Override
    public boolean delete(K key) {
      writes.add("delete " + key);
      return map.remove(key) != null;
    }
  }

  static class FakeDevice implements WireGuardDevice {
    Optional<WgKey> privateKey = Optional.empty();
    int port;
    final Map<WgKey, PeerConfig> peers = new HashMap<>();
    final List<String> writes = new ArrayList<>();
    int reads;

    @Override
    public String name() {
      return "wg-fake";
    }

    @Override
    public DeviceState state() {
      reads++;
      return new DeviceState(privateKey, port, peers);
    }

    boolean running = true;

    @Override
    public boolean ensureRunning() {
      if (running) {
        return false;
      }
      running = true;
      privateKey = Optional.empty();
      port = 0;
      peers.clear();
      writes.add("restart");
      return true;
    }

    @Override
    public void configure(WgKey key, int listenPort) {
      writes.add("configure");
      privateKey = Optional.of(key);
      port = listenPort;
    }

    @Override
    public void upsertPeer(PeerConfig peer) {
      writes.add("upsert " + peer.publicKey());
      peers.put(peer.publicKey(), peer);
    }

    @Override
    public void removePeer(WgKey publicKey) {
      writes.add("remove " + publicKey);
      peers.remove(publicKey);
    }

    @Override
    public void close() {}

    @Override
    public void destroy() {}
  }

  static final class FakePlumbing implements HostPlumbing {
    final Map<String, Integer> links = new HashMap<>();
    final Map<String, String> routes = new HashMap<>();
    final Map<Integer, String> attached = new HashMap<>();
    final List<String> writes = new ArrayList<>();
    int fullAttachmentReads;
    int routeReads;
    final List<java.util.Set<Integer>> partialAttachmentReads = new ArrayList<>();

    /** Links whose gateway address cannot be set (a tc or ip error for that item only). */
    final java.util.Set<String> brokenLinks = new java.util.HashSet<>();

    @Override
    public Map<String, Integer> links() {
      return new HashMap<>(links);
    }

    @Override
    public Map<Integer, String> attachments() {
      fullAttachmentReads++;
      // As the kernel would: a link that is gone takes its attachment with it.
      attached.keySet().retainAll(links.values());
      return new HashMap<>(attached);
    }

    @Override
    public Map<Integer, String> attachments(java.util.Collection<Integer> ifindexes) {
      partialAttachmentReads.add(java.util.Set.copyOf(ifindexes));
      attached.keySet().retainAll(links.values());
      Map<Integer, String> out = new HashMap<>(attached);
      out.keySet().retainAll(java.util.Set.copyOf(ifindexes));
      return out;
    }

    @Override
    public void attach(int ifindex, String program) {
      writes.add("attach " + program + " " + ifindex);
      attached.put(ifindex, program);
    }

    @Override
    public void detach(int ifindex) {
      writes.add("detach " + ifindex);
      attached.remove(ifindex);
    }

    @Override
    public void assignGateway(String link) {
      if (brokenLinks.contains(link)) {
        throw new dev.sixpn.dataplane.link.Exec.CommandException(
            "'ip -6 addr replace fe80::1/64 dev " + link + "' exited 1: Cannot find device");
      }
      writes.add("gateway " + link);
    }

    @Override
    public Map<String, String> routes() {
      routeReads++;
      return new HashMap<>(routes);
    }

    @Override
    public void replaceRoute(String prefix, String device) {
      writes.add("route " + prefix);
      routes.put(prefix, device);
    }

    @Override
    public void deleteRoute(String prefix) {
      writes.add("unroute " + prefix);
      routes.remove(prefix);
    }

    @Override
    public void enableForwarding() {}
  }
}
