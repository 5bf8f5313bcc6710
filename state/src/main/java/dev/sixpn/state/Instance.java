package dev.sixpn.state;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.Port;
import java.util.List;
import java.util.Map;

/**
 * An instance as the projected state holds it.
 *
 * @param metadata the user's labels; data only, no meaning to the dataplane
 * @param hostAccess whether orchestration lets the instance reach its host's own address
 * @param ports its named ports (SRV {@code _<name>._<protocol>.<app>.internal})
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
    List<Port> ports) {

  public Instance {
    metadata = Map.copyOf(metadata);
    ports = List.copyOf(ports);
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

  /** This instance with another status, everything else the same. */
  public Instance withStatus(InstanceStatus status) {
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
        ports);
  }
}
