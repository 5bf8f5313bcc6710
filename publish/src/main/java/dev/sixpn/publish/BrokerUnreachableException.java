package dev.sixpn.publish;

/** No Kafka broker answered at the configured bootstrap servers within the timeout. */
public final class BrokerUnreachableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public BrokerUnreachableException(
      String bootstrapServers, java.time.Duration timeout, Throwable cause) {
    super(
        "no Kafka broker answered at "
            + bootstrapServers
            + " within "
            + timeout.toSeconds()
            + " s; start one with `./sixpn kafka`, pass --bootstrap host:port, or --kafka-config FILE"
            + " if it needs TLS and SASL",
        cause);
  }
}
