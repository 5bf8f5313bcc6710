package dev.sixpn.dataplane.link;

import dev.sixpn.address.SixpnAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;

/**
 * The resolver and hosts files of namespace instances, under {@code <root>/<netns>/} (root is
 * {@code /etc/netns}: {@code ip netns exec} bind-mounts them over /etc/resolv.conf and /etc/hosts).
 * Files the dataplane wrote carry {@link #MARKER} so pruning never touches anyone else's.
 */
public final class InstanceFiles {

  public static final String MARKER = "# managed by the sixpn dataplane of host ";

  private final Path root;
  private final String marker;

  /**
   * @param host the host whose files these are (several simulated hosts may share one root)
   */
  public InstanceFiles(Path root, long host) {
    this.root = root;
    this.marker = MARKER + host + "\n";
  }

  public String resolvConf() {
    return marker + "nameserver " + SixpnAddress.RESOLVER + "\n";
  }

  /**
   * The instance's hosts file. {@code fly-local-6pn} (Fly's name for it) is an alias on the same
   * line as {@code local-6pn}, so that {@code grep fly-local-6pn /etc/hosts | awk '{print $1}'} and
   * the same with {@code local-6pn} each print the address once.
   */
  public String hosts(SixpnAddress address, String instanceId) {
    return marker
        + "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        + address
        + "\tlocal-6pn fly-local-6pn "
        + instanceId
        + "\n";
  }

  /** Namespaces whose files we wrote. */
  public Set<String> managed() {
    Set<String> out = new HashSet<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
      for (Path dir : dirs) {
        Path resolv = dir.resolve("resolv.conf");
        if (LinkNames.isNetnsName(dir.getFileName().toString())
            && Files.isRegularFile(resolv, java.nio.file.LinkOption.NOFOLLOW_LINKS)
            && Files.readString(resolv).startsWith(marker)) {
          out.add(dir.getFileName().toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root, e);
    }
    return out;
  }

  /**
   * The directory of one namespace's files: {@code <root>/<netns>}, never anywhere else, whatever
   * the name (a name that is not a plain DNS label is refused, so {@code ..} or a slash cannot
   * reach outside the root).
   */
  private Path dirOf(String netns) {
    if (!LinkNames.isNetnsName(netns)) {
      throw new IllegalArgumentException(
          "netns name must be a DNS label (a-z, 0-9, '-'), got '" + netns + "'");
    }
    Path dir = root.resolve(netns).normalize();
    if (!root.normalize().equals(dir.getParent())) {
      throw new IllegalArgumentException("netns name '" + netns + "' leaves " + root);
    }
    return dir;
  }

  /** Writes both files if their content differs; returns true if anything was written. */
  public boolean write(String netns, SixpnAddress address, String instanceId) {
    Path dir = dirOf(netns);
    try {
      Files.createDirectories(dir);
      boolean a = writeIfChanged(dir.resolve("resolv.conf"), resolvConf());
      boolean b = writeIfChanged(dir.resolve("hosts"), hosts(address, instanceId));
      return a || b;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write the resolver files of " + dir + " (the agent needs root)", e);
    }
  }

  /** Removes our files and the directory if it is then empty. */
  public void remove(String netns) {
    Path dir = dirOf(netns);
    if (!Files.isDirectory(dir)) {
      return;
    }
    try {
      for (String f : new String[] {"resolv.conf", "hosts"}) {
        Path p = dir.resolve(f);
        if (Files.isRegularFile(p) && Files.readString(p).startsWith(marker)) {
          Files.delete(p);
        }
      }
      try (DirectoryStream<Path> rest = Files.newDirectoryStream(dir)) {
        if (!rest.iterator().hasNext()) {
          Files.delete(dir);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the resolver files of " + dir, e);
    }
  }

  private boolean writeIfChanged(Path file, String content) throws IOException {
    if (Files.isRegularFile(file) && Files.readString(file).equals(content)) {
      return false;
    }
    // Atomic replace: a process in the namespace never reads a half-written resolv.conf.
    Path tmp = file.resolveSibling(file.getFileName() + ".sixpn-tmp");
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return true;
  }
}
