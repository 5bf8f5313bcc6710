package dev.sixpn.projector.fold;

/** A well-formed event that contradicts the state (for example, stopping an unknown instance). */
public final class RuleViolation extends Exception {

  private static final long serialVersionUID = 1L;

  public RuleViolation(String message) {
    super(message);
  }
}
