package dev.sixpn.agent;

import dev.sixpn.dataplane.DataplaneConfig;
import dev.sixpn.dns.server.DnsEdgeConfig;
import dev.sixpn.events.LifecycleEvent;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How one host agent runs.
 *
 * @param host this host's id
 * @param bootstrapServers Kafka bootstrap servers
 * @param topic the lifecycle topic
 * @param dataDir the host's directory: {@code state/} (RocksDB), WireGuard key, logs
 * @param dns the DNS edge, or empty to run without one
 * @param dataplane the dataplane, or empty to run without one (no BPF, no WireGuard)
 * @param announce a host.joined to publish at start (region, location, endpoint); the agent fills
 *     in its WireGuard public key
 * @param metrics where to serve Prometheus metrics ({@code /metrics}) and health ({@code /healthz},
 *     {@code /readyz}), or empty
 */
public record HostAgentConfig(
    long host,
    String bootstrapServers,
    String topic,
    Path dataDir,
    Optional<DnsEdgeConfig> dns,
    Optional<DataplaneConfig> dataplane,
    Optional<Announcement> announce,
    Optional<InetSocketAddress> metrics) {

  public HostAgentConfig {
    if (host < 1 || host > 0xffff_ffffL) {
      throw new IllegalArgumentException("host must be in 1..4294967295, got " + host);
    }
    if (dataplane.isPresent() && dataplane.get().host() != host) {
      throw new IllegalArgumentException(
          "dataplane host " + dataplane.get().host() + " is not agent host " + host);
    }
  }

  public Path stateDir() {
    return dataDir.resolve("state");
  }

  /** What this host says of itself in its host.joined event. */
  public record Announcement(String region, double latitude, double longitude, String endpoint) {
    LifecycleEvent.HostJoined event(long host, String publicKey, String eventId) {
      return new LifecycleEvent.HostJoined(
          eventId, java.time.Instant.now(), host, region, latitude, longitude, publicKey, endpoint);
    }
  }
}
