package dev.sixpn.publish;

import java.util.List;

/**
 * The lifecycle topic exists with a configuration that can lose events (finite retention,
 * compaction, too few replicas, unclean leader election). Nothing was changed: each problem says
 * what to run to fix it.
 */
public final class UnsafeTopicException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public UnsafeTopicException(String topic, List<String> problems) {
    super(
        "topic "
            + topic
            + " is configured to lose events; refusing to use it (nothing was changed):\n  - "
            + String.join("\n  - ", problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("problems must not be empty");
    }
    this.problems = List.copyOf(problems);
  }

  /** One line per problem, each naming the command that fixes it. */
  public List<String> problems() {
    return problems;
  }
}
