package dev.sixpn.dataplane.link;

import java.util.Map;

/**
 * The kernel-side objects of one host the reconciler manages, behind a narrow interface so the diff
 * logic is testable without a kernel. Every method is idempotent.
 */
public interface HostPlumbing {

  /** Links of the host namespace, name to ifindex (may be cached; see {@link #invalidateLinks}). */
  Map<String, Integer> links();

  /**
   * The next {@link #links()} reads the kernel again (a link appeared, went, or a slow pass
   * starts).
   */
  default void invalidateLinks() {}

  /** Attaches from_instance to the link's tc ingress and gives the link the gateway address. */
  void attachFromInstance(String link);

  /** Removes from_instance from the link if the link still exists; a missing link is fine. */
  void detachFromInstance(String link);

  /** Attaches from_mesh to the WireGuard device's tc ingress. */
  void attachFromMesh(String wgLink);

  /** Attaches from_underlay to an underlay interface's tc ingress. */
  void attachFromUnderlay(String device);

  /** A route "device" meaning a route of type unreachable (no device). */
  String UNREACHABLE = "unreachable";

  /**
   * Routes the dataplane installed (protocol {@link IpPlumbing#ROUTE_PROTOCOL}), prefix to device.
   */
  Map<String, String> routes();

  /**
   * @param device a link name, or {@link #UNREACHABLE}
   */
  void replaceRoute(String prefix, String device);

  /** Deletes one of our routes; an absent route is not an error. */
  void deleteRoute(String prefix);

  /** IPv6 forwarding on, so packets from instance links can be routed to the mesh and back. */
  void enableForwarding();
}
