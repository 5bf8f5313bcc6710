package dev.sixpn.dataplane.link;

import dev.sixpn.state.Instance;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The naming convention between whatever starts instances (the runtime) and the dataplane. Every
 * name is derived from the instance id alone, which the event validates as a DNS label; no field of
 * an event, and nothing in its metadata, can name an interface or a path.
 *
 * <ul>
 *   <li>An instance's host-side link is {@value #PREFIX} + the first 13 hex digits of
 *       SHA-256(instance id): 15 characters, the kernel's IFNAMSIZ limit, stable across restarts
 *       and derivable by the runtime without any call. The prefix is reserved: the dataplane puts
 *       from_instance, the gateway address and instance routes on such links only, and never treats
 *       a link of another name (the underlay, the WireGuard device, {@code lo}) as an instance's.
 *   <li>A namespace instance runs in the network namespace named after its instance id. Its
 *       resolver and hosts files go to {@code /etc/netns/<id>/} (bind-mounted by {@code ip netns
 *       exec}); an instance without such a namespace (a VM) gets none.
 * </ul>
 */
public final class LinkNames {

  /** The runtime's reserved prefix of instance links. */
  public static final String PREFIX = "6p";

  private static final int HASH_DIGITS = 13;

  private LinkNames() {}

  public static String hostSideLink(Instance instance) {
    return hostSideLink(instance.instanceId());
  }

  /** Memo of the derived names (they never change for an id); reset when it grows large. */
  private static final ConcurrentHashMap<String, String> DERIVED = new ConcurrentHashMap<>();

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
      return PREFIX + HexFormat.of().formatHex(digest).substring(0, HASH_DIGITS);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("SHA-256 is in every JDK", e);
    }
  }

  /**
   * True for names of the {@code 6p<13 hex>} form: instance links, filtered even before their
   * instance starts.
   */
  public static boolean isInstanceLink(String link) {
    if (link.length() != PREFIX.length() + HASH_DIGITS || !link.startsWith(PREFIX)) {
      return false;
    }
    for (int i = PREFIX.length(); i < link.length(); i++) {
      char c = link.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  /** The instance's network namespace: its id (a DNS label, so a plain file name). */
  public static String netnsName(Instance instance) {
    return instance.instanceId();
  }

  /**
   * True for names a namespace of ours can have: a DNS label ({@code [a-z0-9-]}, 1-63, no leading
   * or trailing hyphen), so never {@code ..}, a slash or anything a path could be made of.
   */
  public static boolean isNetnsName(String name) {
    return dev.sixpn.events.Validate.isLabel(name);
  }
}
