package dev.sixpn.agent;

import dev.sixpn.dataplane.DataplaneConfig;
import dev.sixpn.dns.server.DnsEdgeConfig;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.publish.LifecycleTopic;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
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
 * @param snapshots the snapshot topic an empty or rebuilt store loads from, and whether this agent
 *     writes snapshots to it; empty: no snapshots (a new host replays the whole log)
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
    Map<String, Object> kafkaOverrides,
    Optional<Snapshots> snapshots) {

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

  /** Reading (not writing) snapshots from the lifecycle topic's snapshot topic. */
  public HostAgentConfig(
      long host,
      String bootstrapServers,
      String topic,
      Path dataDir,
      Optional<DnsEdgeConfig> dns,
      Optional<DataplaneConfig> dataplane,
      Optional<Announcement> announce,
      Optional<InetSocketAddress> metrics,
      Map<String, Object> kafkaOverrides) {
    this(
        host,
        bootstrapServers,
        topic,
        dataDir,
        dns,
        dataplane,
        announce,
        metrics,
        kafkaOverrides,
        Optional.of(Snapshots.reading(LifecycleTopic.snapshotTopic(topic))));
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

  public HostAgentConfig withSnapshots(Optional<Snapshots> snapshots) {
    return new HostAgentConfig(
        host,
        bootstrapServers,
        topic,
        dataDir,
        dns,
        dataplane,
        announce,
        metrics,
        kafkaOverrides,
        snapshots);
  }

  public Path stateDir() {
    return dataDir.resolve("state");
  }

  /**
   * Snapshots of the state: an agent whose store is empty (a new or wiped host) or must be rebuilt
   * (offsets out of range, a recreated topic) loads the newest complete one and replays only the
   * tail; a writer also writes one after {@code everyEvents} folded events or after {@code
   * interval}, whichever comes first.
   *
   * @param topic the snapshot topic
   * @param write whether this agent writes snapshots (it needs Write on the topic: an agent trusted
   *     like orchestration, since new hosts load what it writes as their state)
   * @param everyEvents events between two snapshots of a writer, ≥ 1
   * @param interval longest time between two snapshots of a writer while events arrive, positive
   */
  public record Snapshots(String topic, boolean write, long everyEvents, Duration interval) {

    /**
     * A snapshot costs about as much as folding the live state once (a million instances: ~3 s of
     * one core), so one per million events keeps the writer's overhead to a few percent of its fold
     * while bounding the tail a new host replays.
     */
    public static final long DEFAULT_EVERY_EVENTS = 1_000_000;

    /** On a quiet fleet, the tail a new host replays is at most an hour of events. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofHours(1);

    public Snapshots {
      if (topic == null || topic.isBlank()) {
        throw new IllegalArgumentException("topic is required");
      }
      if (everyEvents < 1) {
        throw new IllegalArgumentException("everyEvents must be >= 1, got " + everyEvents);
      }
      if (interval == null || interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("interval must be positive, got " + interval);
      }
    }

    /** Loads snapshots from {@code topic}, writes none. */
    public static Snapshots reading(String topic) {
      return new Snapshots(topic, false, DEFAULT_EVERY_EVENTS, DEFAULT_INTERVAL);
    }
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
