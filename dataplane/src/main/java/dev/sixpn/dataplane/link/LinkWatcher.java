package dev.sixpn.dataplane.link;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the reconciler when links appear or go in the host namespace ({@code ip -o monitor link}),
 * so an instance whose link is created after its instance.started event, or a link the runtime just
 * made, is handled at once instead of at the next periodic resync.
 */
public final class LinkWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LinkWatcher.class);

  private final Process process;

  private LinkWatcher(Process process) {
    this.process = process;
  }

  public static LinkWatcher start(Netns netns, Runnable onChange) {
    // Long-running: no timeout; it ends with close() or with the namespace.
    Process p =
        netns
            .command("ip", "-o", "monitor", "link")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    Thread.ofVirtual()
        .name("sixpn-linkwatch-" + netns)
        .start(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                while (r.readLine() != null) {
                  onChange.run();
                }
              } catch (IOException e) {
                log.debug("link watcher stopped netns={} reason={}", netns, e.toString());
              }
              log.info("link watcher ended netns={} (periodic resync still applies)", netns);
            });
    return new LinkWatcher(p);
  }

  public boolean alive() {
    return process.isAlive();
  }

  public ProcessHandle process() {
    return process.toHandle();
  }

  @Override
  public void close() {
    process.destroy();
  }
}
