package dev.sixpn.publish;

/** A broker answered but refused this client: TLS or SASL failed. */
public final class BrokerAuthenticationException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public BrokerAuthenticationException(String bootstrapServers, Throwable cause) {
    super(
        "the Kafka broker at "
            + bootstrapServers
            + " refused this client: "
            + cause.getMessage()
            + "; check the --kafka-config file (security.protocol, sasl.*, ssl.truststore.*)",
        cause);
  }
}
