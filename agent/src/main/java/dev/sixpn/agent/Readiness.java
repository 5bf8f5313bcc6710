package dev.sixpn.agent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named checks that must all pass for the agent to be ready ({@code /readyz}). Each part registers
 * what it knows of itself; a check that throws counts as failing. Thread-safe.
 */
public final class Readiness {

  private static final Logger LOG = LoggerFactory.getLogger(Readiness.class);

  private final Map<String, BooleanSupplier> checks = new LinkedHashMap<>();

  /** Adds a check; names are unique, and are what {@code /readyz} lists when they fail. */
  public synchronized void register(String name, BooleanSupplier ok) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name is required");
    }
    if (checks.putIfAbsent(name, ok) != null) {
      throw new IllegalArgumentException("check " + name + " is already registered");
    }
  }

  /** The names of the checks failing now, in registration order; empty when ready. */
  public synchronized List<String> failing() {
    List<String> out = new ArrayList<>();
    checks.forEach(
        (name, ok) -> {
          boolean passed;
          try {
            passed = ok.getAsBoolean();
          } catch (RuntimeException e) {
            LOG.warn("readiness check {} threw: {}", name, e.toString());
            passed = false;
          }
          if (!passed) {
            out.add(name);
          }
        });
    return out;
  }
}
