package dev.sixpn.events;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The wire name of each event type and the record that carries it. */
public enum EventType {
  NETWORK_CREATED("network.created", LifecycleEvent.NetworkCreated.class),
  NETWORK_DELETED("network.deleted", LifecycleEvent.NetworkDeleted.class),
  APP_CREATED("app.created", LifecycleEvent.AppCreated.class),
  APP_DELETED("app.deleted", LifecycleEvent.AppDeleted.class),
  HOST_JOINED("host.joined", LifecycleEvent.HostJoined.class),
  HOST_LEFT("host.left", LifecycleEvent.HostLeft.class),
  INSTANCE_STARTED("instance.started", LifecycleEvent.InstanceStarted.class),
  INSTANCE_STOPPED("instance.stopped", LifecycleEvent.InstanceStopped.class),
  INSTANCE_DESTROYED("instance.destroyed", LifecycleEvent.InstanceDestroyed.class),
  INSTANCE_HEALTH("instance.health", LifecycleEvent.InstanceHealth.class),
  PEER_CREATED("peer.created", LifecycleEvent.PeerCreated.class),
  PEER_REMOVED("peer.removed", LifecycleEvent.PeerRemoved.class);

  private static final Map<String, EventType> BY_WIRE_NAME =
      Arrays.stream(values())
          .collect(Collectors.toUnmodifiableMap(t -> t.wireName, Function.identity()));

  private final String wireName;
  private final Class<? extends LifecycleEvent> recordClass;

  EventType(String wireName, Class<? extends LifecycleEvent> recordClass) {
    this.wireName = wireName;
    this.recordClass = recordClass;
  }

  public String wireName() {
    return wireName;
  }

  public Class<? extends LifecycleEvent> recordClass() {
    return recordClass;
  }

  public static Optional<EventType> fromWireName(String name) {
    return Optional.ofNullable(BY_WIRE_NAME.get(name));
  }
}
