package dev.sixpn.dataplane.testing;

import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dataplane.link.NetnsExecutor;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One platform thread moved into a network namespace with setns(2) ({@link
 * NetnsExecutor#enterOnThisThread}): sockets it opens live there. The namespace is per thread on
 * Linux, so the rest of the JVM is unaffected; the thread is never returned to a shared pool.
 * Unlike {@link NetnsExecutor#call}, {@link #submit} does not wait, so a test can run a server and
 * a client in two namespaces at once.
 */
public final class NetnsThread implements AutoCloseable {

  private final ExecutorService executor;

  public NetnsThread(String netns) {
    executor =
        Executors.newSingleThreadExecutor(
            r ->
                Thread.ofPlatform()
                    .daemon()
                    .name("netns-" + netns)
                    .unstarted(
                        () -> {
                          NetnsExecutor.enterOnThisThread(Netns.named(netns));
                          r.run();
                        }));
  }

  public <T> Future<T> submit(Callable<T> task) {
    return executor.submit(task);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
