package dev.sixpn.dataplane.link;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the reconciler when links appear or go in the host namespace, from an rtnetlink socket
 * subscribed to the link group (RTNLGRP_LINK; no process), so an instance whose link is created
 * after its instance.started event, or a link the runtime just made, is handled at once instead of
 * at the next periodic resync. Each message names the link, so the list of links can follow it
 * without a dump of every link; messages the kernel had to drop (a full socket buffer) are reported
 * as an overrun, after which the list must be read again.
 */
public final class LinkWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LinkWatcher.class);

  /** How soon a closed watcher's thread notices and ends. */
  private static final int POLL_MILLIS = 200;

  private final Rtnetlink socket;
  private final Thread thread;

  private LinkWatcher(Rtnetlink socket, Thread thread) {
    this.socket = socket;
    this.thread = thread;
  }

  /** What the watcher reports, on its own thread: must be quick. */
  public interface Listener {
    /**
     * A link is there (created, renamed, changed state) or gone.
     *
     * @param name its name, null if the kernel's message had none
     */
    void link(boolean present, int ifindex, String name);

    /** Messages were lost: anything may have changed. */
    void overrun();
  }

  public static LinkWatcher start(Netns netns, Listener listener) {
    Rtnetlink socket;
    try (NetnsExecutor in = new NetnsExecutor(netns)) {
      // The socket belongs to the namespace it was opened in; the thread reading it need not.
      socket = in.call(() -> Rtnetlink.open(Rtnetlink.RTMGRP_LINK, POLL_MILLIS));
    }
    // A platform thread: a recv(2) downcall would pin a virtual thread's carrier.
    Thread t =
        Thread.ofPlatform()
            .daemon()
            .name("sixpn-linkwatch-" + netns)
            .start(
                () -> {
                  try {
                    socket.listen(listener::link, listener::overrun);
                  } catch (RuntimeException e) {
                    log.warn("link watcher failed netns={} error={}", netns, e.toString());
                  }
                  log.info("link watcher ended netns={} (periodic resync still applies)", netns);
                });
    return new LinkWatcher(socket, t);
  }

  public boolean alive() {
    return thread.isAlive();
  }

  @Override
  public void close() {
    socket.close();
    try {
      thread.join(POLL_MILLIS * 5L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
