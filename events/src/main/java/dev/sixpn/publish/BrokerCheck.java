package dev.sixpn.publish;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;

/** Fails fast, with a message saying what to do, when no broker answers. */
public final class BrokerCheck {

  private BrokerCheck() {}

  /**
   * @throws BrokerUnreachableException if no broker at {@code bootstrapServers} answers within
   *     {@code timeout}
   */
  public static void requireReachable(String bootstrapServers, Duration timeout)
      throws InterruptedException {
    try (Admin admin = Admin.create(LifecyclePublisher.adminConfig(bootstrapServers, timeout))) {
      requireReachable(admin, bootstrapServers, timeout);
    }
  }

  static void requireReachable(Admin admin, String bootstrapServers, Duration timeout)
      throws InterruptedException {
    try {
      admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new BrokerUnreachableException(bootstrapServers, timeout, e);
    }
  }
}
