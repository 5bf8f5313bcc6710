package dev.sixpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusCommandTest {

  static final String METRICS =
      """
      # HELP sixpn_projector_lag_records Records behind the end of each partition.
      # TYPE sixpn_projector_lag_records gauge
      sixpn_projector_lag_records{partition="0"} 0.0
      sixpn_projector_lag_records{partition="1"} 3.0
      sixpn_projector_last_commit_timestamp_seconds 1.7646336E9
      sixpn_dataplane_drops_total{reason="cross_network"} 4.0
      sixpn_dataplane_drops_total{reason="malformed"} 0.0
      sixpn_dataplane_reconcile_failures_total{object="route",reason="command"} 2.0
      odd_metric{path="a \\"quoted\\" \\\\ value",le="+Inf"} +Inf 1700000000000
      """;

  @Test
  void parse_labelsEscapesAndSpecialValues() {
    List<PrometheusText.Sample> s = PrometheusText.parse(METRICS);
    assertEquals(7, s.size());
    assertEquals(
        new PrometheusText.Sample("sixpn_projector_lag_records", Map.of("partition", "1"), 3.0),
        s.get(1));
    PrometheusText.Sample odd = s.getLast();
    assertEquals("a \"quoted\" \\ value", odd.label("path"));
    assertEquals(Double.POSITIVE_INFINITY, odd.value());
    assertEquals(Map.of(), s.get(2).labels());
  }

  @Test
  void summarize_withoutReadyz_caughtUpMeansNoLag() {
    ObjectNode s =
        StatusCommand.summarize(
            "127.0.0.1:9464", PrometheusText.parse(METRICS), 404, null, 1.7646336E9 + 2);
    assertFalse(s.get("caughtUp").asBoolean(), "partition 1 is 3 records behind");
    assertEquals(3, s.get("lagRecords").get("1").asLong());
    assertEquals(2.0, s.get("agesSeconds").get("projector_last_commit").asDouble(), 1e-6);
    assertEquals(4, s.get("drops").get("cross_network").asLong());
    assertFalse(s.get("drops").has("malformed"), "zero counts are left out");
    assertEquals(2, s.get("reconcileFailures").get("route/command").asLong());
  }

  @Test
  void summarize_readyzDecides() {
    assertTrue(
        StatusCommand.summarize("a:1", PrometheusText.parse(METRICS), 200, null, 0)
            .get("caughtUp")
            .asBoolean());
    assertFalse(
        StatusCommand.summarize("a:1", PrometheusText.parse(""), 503, null, 0)
            .get("caughtUp")
            .asBoolean());
  }
}
