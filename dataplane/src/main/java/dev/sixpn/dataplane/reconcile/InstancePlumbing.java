package dev.sixpn.dataplane.reconcile;

import dev.sixpn.address.SixpnAddress;

/**
 * A started local instance whose link was found.
 *
 * @param netns the namespace to write resolver files for, or null if it has none (a VM)
 */
public record InstancePlumbing(
    String instanceId, SixpnAddress address, String link, int ifindex, String netns) {}
