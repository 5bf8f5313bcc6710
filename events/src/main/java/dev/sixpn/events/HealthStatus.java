package dev.sixpn.events;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * The status of one health check of an instance, as Consul names them. {@link #WARNING} still
 * serves traffic (degraded, as in Consul's DNS interface without {@code only_passing}); only {@link
 * #CRITICAL} takes an instance out of its app's names.
 */
public enum HealthStatus {
  PASSING,
  WARNING,
  CRITICAL;

  /** The wire and command-line spelling: {@code passing}, {@code warning}, {@code critical}. */
  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a wire name.
   *
   * @throws IllegalArgumentException naming {@code field} for anything else
   */
  public static HealthStatus parse(String field, String value) {
    Validate.notNull(field, value);
    return switch (value) {
      case "passing" -> PASSING;
      case "warning" -> WARNING;
      case "critical" -> CRITICAL;
      default ->
          throw new IllegalArgumentException(
              field + " must be passing, warning or critical, got '" + value + "'");
    };
  }

  /** The worse of two statuses: critical over warning over passing. */
  public HealthStatus worse(HealthStatus other) {
    return other.ordinal() > ordinal() ? other : this;
  }
}
