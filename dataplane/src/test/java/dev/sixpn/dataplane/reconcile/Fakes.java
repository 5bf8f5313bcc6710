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

    @Override
    public Map<K, V> entries() {
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

    @Override
    public String name() {
      return "wg-fake";
    }

    @Override
    public DeviceState state() {
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
    final List<String> writes = new ArrayList<>();

    @Override
    public Map<String, Integer> links() {
      return new HashMap<>(links);
    }

    @Override
    public void attachFromInstance(String link) {
      writes.add("attach " + link);
    }

    @Override
    public void detachFromInstance(String link) {
      writes.add("detach " + link);
    }

    @Override
    public void attachFromMesh(String wgLink) {
      writes.add("attach-mesh " + wgLink);
    }

    @Override
    public void attachFromUnderlay(String device) {
      writes.add("attach-underlay " + device);
    }

    @Override
    public Map<String, String> routes() {
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
