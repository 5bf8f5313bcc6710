package dev.sixpn.agent;

import dev.sixpn.dataplane.DataplaneConfig;
import dev.sixpn.dns.server.DnsEdgeConfig;
import dev.sixpn.events.LifecycleEvent;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
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
 * @param announce this host's host.joined (region, location, endpoint; the agent fills in its
 *     WireGuard public key): logged as the {@code sixpn publish host-join} command orchestration
 *     runs, or published by the agent itself when {@link Announcement#publish()}
 * @param metrics where to serve Prometheus metrics ({@code /metrics}) and health ({@code /healthz},
 *     {@code /readyz}), or empty
 * @param kafkaOverrides Kafka client properties over sixpn's defaults (security, …) for every
 *     client of the agent
 */
public record HostAgentConfig(
    long host,
    String bootstrapServers,
    String topic,
    Path dataDir,
    Optional<DnsEdgeConfig> dns,
    Optional<DataplaneConfig> dataplane,
    Optional<Announcement> announce,
    Optional<InetSocketAddress> metrics,
    Map<String, Object> kafkaOverrides) {

  public HostAgentConfig {
    if (host < 1 || host > 0xffff_ffffL) {
      throw new IllegalArgumentException("host must be in 1..4294967295, got " + host);
    }
    if (dataplane.isPresent() && dataplane.get().host() != host) {
      throw new IllegalArgumentException(
          "dataplane host " + dataplane.get().host() + " is not agent host " + host);
    }
    kafkaOverrides = Map.copyOf(kafkaOverrides);
  }

  /** Without Kafka client overrides (PLAINTEXT, no credentials). */
  public HostAgentConfig(
      long host,
      String bootstrapServers,
      String topic,
      Path dataDir,
      Optional<DnsEdgeConfig> dns,
      Optional<DataplaneConfig> dataplane,
      Optional<Announcement> announce,
      Optional<InetSocketAddress> metrics) {
    this(host, bootstrapServers, topic, dataDir, dns, dataplane, announce, metrics, Map.of());
  }

  public Path stateDir() {
    return dataDir.resolve("state");
  }

  /**
   * What this host says of itself in its host.joined event.
   *
   * @param publish whether the agent publishes it itself, which needs write access to the topic
   *     (development; in production hosts only read and orchestration publishes host.joined)
   */
  public record Announcement(
      String region, double latitude, double longitude, String endpoint, boolean publish) {

    /** Announced by orchestration, not by the agent. */
    public Announcement(String region, double latitude, double longitude, String endpoint) {
      this(region, latitude, longitude, endpoint, false);
    }

    public LifecycleEvent.HostJoined event(long host, String publicKey, String eventId) {
      return new LifecycleEvent.HostJoined(
          eventId, java.time.Instant.now(), host, region, latitude, longitude, publicKey, endpoint);
    }

    /** The command orchestration runs to publish this host's host.joined. */
    public String hostJoinCommand(long host, String publicKey) {
      return "sixpn publish host-join --host "
          + host
          + " --region "
          + region
          + " --lat "
          + latitude
          + " --lon "
          + longitude
          + " --public-key '"
          + publicKey
          + "' --endpoint '"
          + endpoint
          + "'";
    }
  }
}
