package dev.sixpn.it;

import static org.junit.jupiter.api.Assumptions.abort;

/** What an end-to-end test does when the machine lacks something it needs. */
final class Requirements {

  private Requirements() {}

  /**
   * Returns when {@code problem} is null. Otherwise the test is skipped with the reason printed,
   * or, under CI=true, where everything must be installed, fails.
   */
  static void require(String test, String problem) {
    if (problem == null) {
      return;
    }
    if ("true".equals(System.getenv("CI"))) {
      throw new AssertionError("CI=true but " + test + " cannot run here: " + problem);
    }
    System.out.println(test + " skipped: " + problem);
    abort(test + " skipped: " + problem);
  }
}
