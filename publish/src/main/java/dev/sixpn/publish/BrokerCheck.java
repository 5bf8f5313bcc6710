package dev.sixpn.publish;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.AuthenticationException;

/** Fails fast, with a message saying what to do, when no broker answers. */
public final class BrokerCheck {

  private BrokerCheck() {}

  /**
   * @throws BrokerUnreachableException if no broker at {@code bootstrapServers} answers within
   *     {@code timeout}
   */
  public static void requireReachable(String bootstrapServers, Duration timeout)
      throws InterruptedException {
    requireReachable(bootstrapServers, Map.of(), timeout);
  }

  /**
   * @param clientOverrides Kafka client properties over sixpn's admin defaults (security, …)
   * @throws BrokerUnreachableException if no broker at {@code bootstrapServers} answers within
   *     {@code timeout}
   * @throws BrokerAuthenticationException if a broker answers but TLS or SASL fails
   */
  public static void requireReachable(
      String bootstrapServers, Map<String, ?> clientOverrides, Duration timeout)
      throws InterruptedException {
    try (Admin admin =
        Admin.create(LifecyclePublisher.adminConfig(bootstrapServers, clientOverrides, timeout))) {
      requireReachable(admin, bootstrapServers, timeout);
    }
  }

  static void requireReachable(Admin admin, String bootstrapServers, Duration timeout)
      throws InterruptedException {
    try {
      admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AuthenticationException a) {
        throw new BrokerAuthenticationException(bootstrapServers, a);
      }
      throw new BrokerUnreachableException(bootstrapServers, timeout, e);
    } catch (TimeoutException e) {
      throw new BrokerUnreachableException(bootstrapServers, timeout, e);
    }
  }
}
