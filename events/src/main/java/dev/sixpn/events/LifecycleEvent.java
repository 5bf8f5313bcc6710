package dev.sixpn.events;

import dev.sixpn.address.SixpnAddress;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An instance lifecycle event, as orchestration publishes it to {@code sixpn.lifecycle}.
 *
 * <p>Each record validates itself in its constructor; an {@link IllegalArgumentException} names the
 * field. {@link #partitionKey()} keeps one network's events in one partition (ordered); host events
 * are keyed {@code host:<id>}, so nothing orders them against a network's events.
 */
public sealed interface LifecycleEvent {

  /** Unique per event; the projector drops a second event with the same id. */
  String eventId();

  Instant time();

  EventType type();

  /** The Kafka record key. */
  String partitionKey();

  /** Events about one network (network, app and instance events). */
  sealed interface NetworkScoped extends LifecycleEvent {
    long network();

    @Override
    default String partitionKey() {
      return Long.toString(network());
    }
  }

  /** Events about one host. */
  sealed interface HostScoped extends LifecycleEvent {
    long host();

    @Override
    default String partitionKey() {
      return "host:" + host();
    }
  }

  record NetworkCreated(String eventId, Instant time, long network, String name)
      implements NetworkScoped {
    public NetworkCreated {
      Validate.eventId(eventId);
      Validate.notNull("time", time);
      Validate.network(network);
      if (name != null && (name.isBlank() || name.length() > 63)) {
        throw new IllegalArgumentException(
            "name must be 1-63 characters when given, got '" + name + "'");
      }
    }

    @Override
    public EventType type() {
      return EventType.NETWORK_CREATED;
    }
  }

  record NetworkDeleted(String eventId, Instant time, long network) implements NetworkScoped {
    public NetworkDeleted {
      Validate.eventId(eventId);
      Validate.notNull("time", time);
      Validate.network(network);
    }

    @Override
    public EventType type() {
      return EventType.NETWORK_DELETED;
    }
  }

  record AppCreated(String eventId, Instant time, long network, String app)
      implements NetworkScoped {
    public AppCreated {
      Validate.appRef(eventId, time, network, app);
    }

    @Override
    public EventType type() {
      return EventType.APP_CREATED;
    }
  }

  record AppDeleted(String eventId, Instant time, long network, String app)
      implements NetworkScoped {
    public AppDeleted {
      Validate.appRef(eventId, time, network, app);
    }

    @Override
    public EventType type() {
      return EventType.APP_DELETED;
    }
  }

  /**
   * A physical host joined the mesh.
   *
   * @param wireguardPublicKey the host's X25519 public key, base64 of 32 bytes (as {@code wg}
   *     prints it)
   * @param endpoint the underlay address WireGuard peers send to, {@code host:port} or {@code
   *     [v6]:port}
   */
  record HostJoined(
      String eventId,
      Instant time,
      long host,
      String region,
      Double latitude,
      Double longitude,
      String wireguardPublicKey,
      String endpoint)
      implements HostScoped {
    public HostJoined {
      Validate.eventId(eventId);
      Validate.notNull("time", time);
      Validate.host(host);
      Validate.region("region", region);
      Validate.latitude(latitude);
      Validate.longitude(longitude);
      Validate.notNull("wireguardPublicKey", wireguardPublicKey);
      byte[] key;
      try {
        key = Base64.getDecoder().decode(wireguardPublicKey);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "wireguardPublicKey must be base64, got '" + wireguardPublicKey + "'");
      }
      if (key.length != 32) {
        throw new IllegalArgumentException(
            "wireguardPublicKey must be 32 bytes (base64, 44 characters), got "
                + key.length
                + " bytes");
      }
      Validate.notNull("endpoint", endpoint);
      Endpoint.parse(endpoint);
    }

    @Override
    public EventType type() {
      return EventType.HOST_JOINED;
    }
  }

  record HostLeft(String eventId, Instant time, long host) implements HostScoped {
    public HostLeft {
      Validate.eventId(eventId);
      Validate.notNull("time", time);
      Validate.host(host);
    }

    @Override
    public EventType type() {
      return EventType.HOST_LEFT;
    }
  }

  /**
   * An instance started (or was restarted) on a host.
   *
   * @param instanceId the instance's id, a DNS label ({@code <id>.vm.<app>.internal})
   * @param processGroup the process group ({@code <group>.process.<app>.internal}), e.g. {@code
   *     app}
   * @param address its 6PN address; must be in {@code network} on {@code host}
   * @param metadata the user's free-form labels, at most 32 entries of at most 255 characters; data
   *     only, never read by the dataplane (schema 2)
   * @param hostAccess whether the instance may reach its host's own address (network 0); set by
   *     orchestration, false unless it says so. The instance's link ({@code 6p} + 13 hex digits of
   *     SHA-256 of the instance id) and network namespace (the instance id) are derived from the
   *     id, never carried by the event, so no event can name an interface or a path
   * @param ports named ports, answered as SRV; at most {@value Validate#MAX_PORTS}, each name and
   *     protocol once. Events without the field read as none (an additive field: no new schema)
   */
  record InstanceStarted(
      String eventId,
      Instant time,
      String instanceId,
      long network,
      String app,
      String processGroup,
      long host,
      String region,
      SixpnAddress address,
      Map<String, String> metadata,
      boolean hostAccess,
      List<Port> ports)
      implements NetworkScoped {

    /** An instance without named ports. */
    public InstanceStarted(
        String eventId,
        Instant time,
        String instanceId,
        long network,
        String app,
        String processGroup,
        long host,
        String region,
        SixpnAddress address,
        Map<String, String> metadata,
        boolean hostAccess) {
      this(
          eventId,
          time,
          instanceId,
          network,
          app,
          processGroup,
          host,
          region,
          address,
          metadata,
          hostAccess,
          List.of());
    }

    /** An instance without host access. */
    public InstanceStarted(
        String eventId,
        Instant time,
        String instanceId,
        long network,
        String app,
        String processGroup,
        long host,
        String region,
        SixpnAddress address,
        Map<String, String> metadata) {
      this(
          eventId,
          time,
          instanceId,
          network,
          app,
          processGroup,
          host,
          region,
          address,
          metadata,
          false,
          List.of());
    }

    public InstanceStarted {
      Validate.eventId(eventId);
      Validate.notNull("time", time);
      Validate.label("instanceId", instanceId);
      Validate.network(network);
      Validate.label("app", app);
      Validate.label("processGroup", processGroup);
      Validate.host(host);
      Validate.region("region", region);
      Validate.instanceAddress(address, network, host);
      metadata =
          metadata == null
              ? Map.of()
              : java.util.Collections.unmodifiableMap(new TreeMap<>(metadata));
      if (metadata.size() > Validate.MAX_METADATA_ENTRIES) {
        throw new IllegalArgumentException(
            "metadata must have at most "
                + Validate.MAX_METADATA_ENTRIES
                + " entries, got "
                + metadata.size());
      }
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        if (e.getKey().isEmpty()
            || e.getKey().length() > Validate.MAX_METADATA_LENGTH
            || e.getValue() == null
            || e.getValue().length() > Validate.MAX_METADATA_LENGTH) {
          throw new IllegalArgumentException(
              "metadata entry '"
                  + e.getKey()
                  + "' must have a key of 1-255 and a value of 0-255 characters");
        }
      }
      ports = ports == null ? List.of() : List.copyOf(ports);
      if (ports.size() > Validate.MAX_PORTS) {
        throw new IllegalArgumentException(
            "ports must have at most " + Validate.MAX_PORTS + " entries, got " + ports.size());
      }
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (Port p : ports) {
        if (!seen.add(p.name() + "/" + p.protocol())) {
          throw new IllegalArgumentException(
              "ports must name each service once, got " + p.name() + "/" + p.protocol() + " twice");
        }
      }
    }

    @Override
    public EventType type() {
      return EventType.INSTANCE_STARTED;
    }
  }

  record InstanceStopped(String eventId, Instant time, String instanceId, long network, String app)
      implements NetworkScoped {
    public InstanceStopped {
      Validate.instanceRef(eventId, time, instanceId, network, app);
    }

    @Override
    public EventType type() {
      return EventType.INSTANCE_STOPPED;
    }
  }

  record InstanceDestroyed(
      String eventId, Instant time, String instanceId, long network, String app)
      implements NetworkScoped {
    public InstanceDestroyed {
      Validate.instanceRef(eventId, time, instanceId, network, app);
    }

    @Override
    public EventType type() {
      return EventType.INSTANCE_DESTROYED;
    }
  }

  /**
   * The latest result of one health check of an instance (keyed by network, so it is ordered with
   * the instance's start and stop). The last status of each check wins; an instance serves in its
   * app's names while none of its checks is critical.
   *
   * @param check the check's name, a DNS label (e.g. {@code http-8080}); one instance may have many
   */
  record InstanceHealth(
      String eventId,
      Instant time,
      String instanceId,
      long network,
      String app,
      String check,
      HealthStatus status)
      implements NetworkScoped {
    public InstanceHealth {
      Validate.instanceRef(eventId, time, instanceId, network, app);
      Validate.label("check", check);
      Validate.notNull("status", status);
    }

    @Override
    public EventType type() {
      return EventType.INSTANCE_HEALTH;
    }
  }

  /**
   * A WireGuard peer outside the fleet (a person's laptop, a CI job, a service elsewhere) joined a
   * network through a gateway host. The peer made its own key pair; only the public key is here.
   *
   * @param name the peer's name, a DNS label ({@code <name>._peer.internal}), unique in the network
   * @param publicKey the peer's X25519 public key, base64 of 32 bytes
   * @param gatewayHost the host whose peer device the peer connects to
   * @param address the peer's 6PN address: role {@link SixpnAddress#ROLE_PEER}, in {@code network}
   *     on {@code gatewayHost}
   */
  record PeerCreated(
      String eventId,
      Instant time,
      long network,
      String name,
      String publicKey,
      long gatewayHost,
      SixpnAddress address)
      implements NetworkScoped {
    public PeerCreated {
      Validate.eventId(eventId);
      Validate.notNull("time", time);
      Validate.network(network);
      Validate.label("name", name);
      Validate.wireguardKey("publicKey", publicKey);
      Validate.host(gatewayHost);
      Validate.peerAddress(address, network, gatewayHost);
    }

    @Override
    public EventType type() {
      return EventType.PEER_CREATED;
    }
  }

  /** A peer was removed from its network: its gateway stops accepting it. */
  record PeerRemoved(String eventId, Instant time, long network, String name)
      implements NetworkScoped {
    public PeerRemoved {
      Validate.eventId(eventId);
      Validate.notNull("time", time);
      Validate.network(network);
      Validate.label("name", name);
    }

    @Override
    public EventType type() {
      return EventType.PEER_REMOVED;
    }
  }
}
