package dev.sixpn.dataplane.wireguard;

import dev.sixpn.dataplane.link.Netns;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * wireguard-go behind its UAPI socket {@code /var/run/wireguard/<name>.sock}.
 *
 * <p>The socket directory is shared by every network namespace (it is a path, not a netns object),
 * so simulated hosts on one machine need distinct device names. An already running device is
 * adopted (agent restart: tunnels stay up while the agent is away); otherwise wireguard-go is
 * started in the foreground ({@code -f}) inside the host namespace with its output going to a log
 * file, so it outlives the agent without a pipe to break.
 */
public final class WireGuardGoDevice implements WireGuardDevice {

  private static final Logger log = LoggerFactory.getLogger(WireGuardGoDevice.class);
  static final Path SOCKET_DIR = Path.of("/var/run/wireguard");

  /**
   * IFNAMSIZ-1 characters; no leading '-' (wireguard-go has no flags parser: "--help" becomes a
   * device).
   */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}");

  private final String name;
  private final Netns netns;
  private final Path socket;
  private final Path logFile;
  private final int mtu;
  private volatile Process started;

  private WireGuardGoDevice(String name, Netns netns, Process started, Path logFile, int mtu) {
    this.name = name;
    this.netns = netns;
    this.socket = SOCKET_DIR.resolve(name + ".sock");
    this.started = started;
    this.logFile = logFile;
    this.mtu = mtu;
  }

  /**
   * Adopts the running device {@code name} or starts wireguard-go for it, then sets it up with
   * {@code mtu}.
   *
   * @param logFile where a started wireguard-go writes its output
   */
  public static WireGuardGoDevice openOrStart(String name, Netns netns, Path logFile, int mtu) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "WireGuard device name must be 1-15 of A-Z a-z 0-9 _ . - not starting with '-', got '"
              + name
              + "'");
    }
    Path socket = SOCKET_DIR.resolve(name + ".sock");
    Process process = null;
    if (reachable(socket)) {
      log.info("wireguard device adopted name={} netns={}", name, netns);
    } else {
      process = start(name, netns, socket, logFile);
    }
    WireGuardGoDevice dev = new WireGuardGoDevice(name, netns, process, logFile, mtu);
    dev.linkUp();
    return dev;
  }

  private void linkUp() {
    netns
        .run("ip", "link", "set", "dev", name, "mtu", Integer.toString(mtu), "up")
        .orThrow(
            "wireguard-go did not create the interface "
                + name
                + " in "
                + netns
                + "; see "
                + logFile);
  }

  @Override
  public boolean ensureRunning() {
    if (reachable(socket)) {
      return false;
    }
    log.warn(
        "wireguard-go not answering, restarting name={} netns={} log={}", name, netns, logFile);
    started = start(name, netns, socket, logFile);
    linkUp();
    return true;
  }

  private static Process start(String name, Netns netns, Path socket, Path logFile) {
    try {
      Files.deleteIfExists(socket); // a stale socket of a dead wireguard-go
      Files.createDirectories(logFile.toAbsolutePath().getParent());
      List<String> cmd = netns.wrap(List.of("wireguard-go", "-f", name));
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      pb.environment().put("LOG_LEVEL", "error");
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        throw new WireGuardException(
            "cannot start wireguard-go: "
                + e.getMessage()
                + " (apt-get install --no-install-recommends wireguard-go wireguard-tools)",
            e);
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!reachable(socket)) {
        if (!p.isAlive()) {
          throw new WireGuardException(
              "wireguard-go for "
                  + name
                  + " exited with "
                  + p.exitValue()
                  + ": "
                  + tail(logFile)
                  + " (TUN needs /dev/net/tun and root)");
        }
        if (System.nanoTime() > deadline) {
          p.destroyForcibly();
          throw new WireGuardException(
              "wireguard-go for "
                  + name
                  + " did not open "
                  + socket
                  + " in 10 s: "
                  + tail(logFile));
        }
        Thread.sleep(20);
      }
      log.info("wireguard-go started name={} netns={} pid={}", name, netns, p.pid());
      return p;
    } catch (IOException e) {
      throw new WireGuardException("cannot prepare to start wireguard-go for " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WireGuardException("interrupted while starting wireguard-go for " + name, e);
    }
  }

  private static String tail(Path logFile) {
    try {
      List<String> lines = Files.readAllLines(logFile);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "(no log at " + logFile + ")";
    }
  }

  private static boolean reachable(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The wireguard-go process this handle started, if it started one (tests stop it by pid). */
  public Optional<ProcessHandle> process() {
    return Optional.ofNullable(started).map(Process::toHandle);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public DeviceState state() {
    return Uapi.parseGet(exchange("get", Uapi.getRequest()));
  }

  @Override
  public void configure(WgKey privateKey, int listenPort) {
    exchange("set private_key/listen_port", Uapi.configureRequest(privateKey, listenPort));
  }

  @Override
  public void upsertPeer(PeerConfig peer) {
    exchange("set peer " + peer.publicKey(), Uapi.upsertPeerRequest(peer));
  }

  @Override
  public void removePeer(WgKey publicKey) {
    exchange("remove peer " + publicKey, Uapi.removePeerRequest(publicKey));
  }

  private String exchange(String what, String request) {
    String response;
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
      while (out.hasRemaining()) {
        ch.write(out);
      }
      response = readResponse(ch);
    } catch (IOException e) {
      throw new WireGuardException(
          "UAPI "
              + what
              + " on "
              + name
              + " failed: "
              + e.getMessage()
              + " (is wireguard-go running? its socket is "
              + socket
              + ")",
          e);
    }
    int errno = Uapi.errno(response);
    if (errno != 0) {
      throw new WireGuardException(
          "UAPI "
              + what
              + " on "
              + name
              + " returned errno="
              + errno
              + " (a set is not transactional: earlier lines may be applied; the next reconcile converges)");
    }
    return response;
  }

  private static String readResponse(SocketChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(8192);
    StringBuilder sb = new StringBuilder();
    while (true) {
      buf.clear();
      int n = ch.read(buf);
      if (n < 0) {
        break;
      }
      byte[] chunk = new byte[n];
      buf.flip().get(chunk);
      sb.append(new String(chunk, StandardCharsets.US_ASCII));
      if (sb.indexOf("\n\n") >= 0
          && sb.lastIndexOf("errno=") >= 0
          && sb.toString().endsWith("\n\n")) {
        break;
      }
    }
    return sb.toString();
  }

  @Override
  public void close() {}

  @Override
  public void destroy() {
    netns.run("ip", "link", "del", "dev", name);
    Process p = started;
    if (p != null) {
      try {
        if (!p.waitFor(3, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroy();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
