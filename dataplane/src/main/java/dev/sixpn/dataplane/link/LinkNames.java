package dev.sixpn.dataplane.link;

import dev.sixpn.state.Instance;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The naming convention between whatever starts instances (the runtime) and the dataplane:
 *
 * <ul>
 *   <li>An instance's host-side link is named by metadata {@value #LINK_KEY} if present, else
 *       {@code 6p} + the first 13 hex digits of SHA-256(instance id): 15 characters, the kernel's
 *       IFNAMSIZ limit, stable across restarts and derivable by the runtime without any call.
 *   <li>A namespace instance runs in the network namespace named by metadata {@value #NETNS_KEY},
 *       else the one named after the instance id (a DNS label, so a valid file name). Its resolver
 *       and hosts files go to {@code /etc/netns/<name>/} (bind-mounted by {@code ip netns exec});
 *       an instance without such a namespace (a VM) gets none.
 *   <li>Metadata {@value #ALLOW_HOST_KEY}{@code =true} lets the instance reach its host's own
 *       address (network 0); by default it cannot.
 * </ul>
 */
public final class LinkNames {

  public static final String LINK_KEY = "sixpn.link";
  public static final String NETNS_KEY = "sixpn.netns";
  public static final String ALLOW_HOST_KEY = "sixpn.allow-host";

  private LinkNames() {}

  public static String hostSideLink(Instance instance) {
    String explicit = instance.metadata().get(LINK_KEY);
    return explicit != null ? explicit : hostSideLink(instance.instanceId());
  }

  /** Memo of the derived names (they never change for an id); reset when it grows large. */
  private static final java.util.concurrent.ConcurrentHashMap<String, String> DERIVED =
      new java.util.concurrent.ConcurrentHashMap<>();

  public static String hostSideLink(String instanceId) {
    String known = DERIVED.get(instanceId);
    if (known != null) {
      return known;
    }
    if (DERIVED.size() > 100_000) {
      DERIVED.clear();
    }
    String name = derive(instanceId);
    DERIVED.put(instanceId, name);
    return name;
  }

  private static String derive(String instanceId) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(instanceId.getBytes(StandardCharsets.UTF_8));
      return "6p" + HexFormat.of().formatHex(digest).substring(0, 13);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("SHA-256 is in every JDK", e);
    }
  }

  private static final java.util.regex.Pattern CONVENTION =
      java.util.regex.Pattern.compile("6p[0-9a-f]{13}");

  /**
   * True for names of the {@code 6p<13 hex>} form: instance links, filtered even before their
   * instance starts.
   */
  public static boolean isConventionName(String link) {
    return CONVENTION.matcher(link).matches();
  }

  public static String netnsName(Instance instance) {
    return Optional.ofNullable(instance.metadata().get(NETNS_KEY)).orElse(instance.instanceId());
  }

  public static boolean allowHost(Instance instance) {
    return "true".equalsIgnoreCase(instance.metadata().get(ALLOW_HOST_KEY));
  }
}
