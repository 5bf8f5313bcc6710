package dev.sixpn.projector.store;

/**
 * Which topic the stored offsets belong to: its id (a recreated topic has another, so offsets of
 * the old one mean nothing) and how many partitions it had when they were last written.
 *
 * @param topicId the broker's topic id, as {@code Uuid.toString()}
 * @param partitions positive
 */
public record TopicIdentity(String topicId, int partitions) {
  public TopicIdentity {
    if (topicId == null || topicId.isBlank() || topicId.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("topicId is required, got " + topicId);
    }
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be positive, got " + partitions);
    }
  }
}
