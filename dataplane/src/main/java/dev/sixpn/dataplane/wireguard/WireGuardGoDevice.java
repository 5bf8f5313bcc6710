package dev.sixpn.dataplane.wireguard;

import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.link.Netns;
import java.io.IOException;
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
  private final UapiSocket uapi;
  private final Path logFile;
  private final int mtu;
  private volatile Process started;

  private WireGuardGoDevice(String name, Netns netns, Process started, Path logFile, int mtu) {
    this.name = name;
    this.netns = netns;
    this.uapi = new UapiSocket(name, SOCKET_DIR.resolve(name + ".sock"));
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
    UapiSocket socket = new UapiSocket(name, SOCKET_DIR.resolve(name + ".sock"));
    Process process = null;
    if (socket.reachable()) {
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
    if (uapi.reachable()) {
      return false;
    }
    log.warn(
        "wireguard-go not answering, restarting name={} netns={} log={}", name, netns, logFile);
    started = start(name, netns, uapi, logFile);
    linkUp();
    return true;
  }

  private static Process start(String name, Netns netns, UapiSocket socket, Path logFile) {
    try {
      Files.deleteIfExists(socket.socket()); // a stale socket of a dead wireguard-go
      Files.createDirectories(logFile.toAbsolutePath().getParent());
      Process p;
      try {
        // Long-running: no timeout; -f keeps it in the foreground, the log file (not a pipe)
        // lets it outlive the agent.
        p =
            netns
                .command("wireguard-go", "-f", name)
                .env("LOG_LEVEL", "error")
                .mergeStderr()
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
      } catch (Exec.CommandException e) {
        throw new WireGuardException(
            "cannot start wireguard-go: "
                + e.getMessage()
                + " (apt-get install --no-install-recommends wireguard-go wireguard-tools)",
            e);
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!socket.reachable()) {
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
                  + socket.socket()
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

  /** The log's last lines for an error message; wireguard-go's UAPI errors may quote a line. */
  private static String tail(Path logFile) {
    try {
      List<String> lines = Files.readAllLines(logFile);
      return Uapi.redact(
          String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
    } catch (IOException e) {
      return "(no log at " + logFile + ")";
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
    return Uapi.parseGet(uapi.exchange("get", Uapi.getRequest()));
  }

  @Override
  public void configure(WgKey privateKey, int listenPort) {
    uapi.exchange("set private_key/listen_port", Uapi.configureRequest(privateKey, listenPort));
  }

  @Override
  public void upsertPeer(PeerConfig peer) {
    uapi.exchange("set peer " + peer.publicKey().base64(), Uapi.upsertPeerRequest(peer));
  }

  @Override
  public void removePeer(WgKey publicKey) {
    uapi.exchange("remove peer " + publicKey.base64(), Uapi.removePeerRequest(publicKey));
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
