package dev.sixpn.dataplane.link;

import java.util.Map;

/**
 * The kernel-side objects of one host the reconciler manages, behind a narrow interface so the diff
 * logic is testable without a kernel. Every method is idempotent; every read asks the kernel.
 */
public interface HostPlumbing {

  /** Links of the host namespace, name to ifindex (may be cached; see {@link #invalidateLinks}). */
  Map<String, Integer> links();

  /**
   * The next {@link #links()} reads the kernel again (a link appeared or went, or a device starts).
   */
  default void invalidateLinks() {}

  /**
   * This host's programs on the host namespace's interfaces, read back from the kernel: ifindex to
   * program name ({@code from_instance}, {@code from_mesh}, {@code from_underlay}, or {@code stale}
   * for a program of an earlier load).
   */
  Map<Integer, String> attachments();

  /** {@link #attachments()} of these interfaces only. */
  default Map<Integer, String> attachments(java.util.Collection<Integer> ifindexes) {
    Map<Integer, String> all = new java.util.HashMap<>(attachments());
    all.keySet().retainAll(java.util.Set.copyOf(ifindexes));
    return all;
  }

  /** Attaches {@code program} to the ingress of {@code ifindex}, replacing ours if one is there. */
  void attach(int ifindex, String program);

  /** Removes our program from {@code ifindex}; nothing attached (or no such link) is fine. */
  void detach(int ifindex);

  /** Gives an instance link the link-local gateway address its instance routes through. */
  void assignGateway(String link);

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
