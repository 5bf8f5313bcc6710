package dev.sixpn.state;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.HealthStatus;
import dev.sixpn.events.Port;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An instance as the projected state holds it.
 *
 * @param metadata the user's labels; data only, no meaning to the dataplane
 * @param hostAccess whether orchestration lets the instance reach its host's own address
 * @param ports its named ports (SRV {@code _<name>._<protocol>.<app>.internal})
 * @param checks the last status of each of its health checks, by check name (sorted); none means
 *     passing
 */
public record Instance(
    String instanceId,
    long network,
    String app,
    String processGroup,
    long host,
    String region,
    SixpnAddress address,
    InstanceStatus status,
    Map<String, String> metadata,
    boolean hostAccess,
    List<Port> ports,
    Map<String, HealthStatus> checks) {

  public Instance {
    // Sorted, like checks: every encoding of an instance (the store's rows, snapshots, their
    // digests, TXT answers) iterates it, and Map.copyOf's order differs from one JVM to the next,
    // which made equal states hash differently on different hosts.
    metadata =
        metadata.size() < 2
            ? Map.copyOf(metadata)
            : Collections.unmodifiableMap(new TreeMap<>(metadata));
    ports = List.copyOf(ports);
    checks = checks.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(checks));
  }

  /** An instance without health checks. */
  public Instance(
      String instanceId,
      long network,
      String app,
      String processGroup,
      long host,
      String region,
      SixpnAddress address,
      InstanceStatus status,
      Map<String, String> metadata,
      boolean hostAccess,
      List<Port> ports) {
    this(
        instanceId,
        network,
        app,
        processGroup,
        host,
        region,
        address,
        status,
        metadata,
        hostAccess,
        ports,
        Map.of());
  }

  /** An instance without named ports. */
  public Instance(
      String instanceId,
      long network,
      String app,
      String processGroup,
      long host,
      String region,
      SixpnAddress address,
      InstanceStatus status,
      Map<String, String> metadata,
      boolean hostAccess) {
    this(
        instanceId,
        network,
        app,
        processGroup,
        host,
        region,
        address,
        status,
        metadata,
        hostAccess,
        List.of());
  }

  /** An instance without host access. */
  public Instance(
      String instanceId,
      long network,
      String app,
      String processGroup,
      long host,
      String region,
      SixpnAddress address,
      InstanceStatus status,
      Map<String, String> metadata) {
    this(instanceId, network, app, processGroup, host, region, address, status, metadata, false);
  }

  public boolean started() {
    return status == InstanceStatus.STARTED;
  }

  /** The worst status of its checks; passing without checks. */
  public HealthStatus health() {
    HealthStatus h = HealthStatus.PASSING;
    for (HealthStatus s : checks.values()) {
      h = h.worse(s);
    }
    return h;
  }

  /**
   * Started and no check critical: in its app's names ({@code <app>}, regions, {@code top<N>},
   * process groups, SRV, metadata). A warning still serves, as in Consul's DNS by default.
   */
  public boolean serving() {
    return started() && health() != HealthStatus.CRITICAL;
  }

  /** This instance with {@code check} at {@code now}, its other checks the same. */
  public Instance withCheck(String check, HealthStatus now) {
    Map<String, HealthStatus> c = new TreeMap<>(checks);
    c.put(check, now);
    return withChecks(c);
  }

  /** This instance with these checks, everything else the same. */
  public Instance withChecks(Map<String, HealthStatus> checks) {
    return with(status, checks);
  }

  /** This instance with another status, everything else the same. */
  public Instance withStatus(InstanceStatus status) {
    return with(status, checks);
  }

  private Instance with(InstanceStatus status, Map<String, HealthStatus> checks) {
    return new Instance(
        instanceId,
        network,
        app,
        processGroup,
        host,
        region,
        address,
        status,
        metadata,
        hostAccess,
        ports,
        checks);
  }
}
