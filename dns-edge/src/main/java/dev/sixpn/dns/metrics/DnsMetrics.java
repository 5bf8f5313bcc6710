package dev.sixpn.dns.metrics;

import dev.sixpn.dns.wire.MalformedDnsException;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Objects;
import java.util.Set;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The DNS edge's metrics. Label values are bounded: query types outside a fixed set count as {@code
 * OTHER}, so hostile queries cannot grow the label space.
 */
public final class DnsMetrics {

  private static final Set<Integer> NAMED_TYPES =
      Set.of(
          Type.A,
          Type.AAAA,
          Type.TXT,
          Type.PTR,
          Type.SRV,
          Type.SOA,
          Type.NS,
          Type.ANY,
          Type.CNAME,
          Type.MX,
          Type.HTTPS,
          Type.SVCB);

  private final Counter queries;
  private final Counter refused;
  private final Counter forwarded;
  private final Counter malformed;
  private final Counter truncated;
  private final Counter tcpRejected;
  private final Counter sendFailed;
  private final Histogram latency;
  private final DistributionDataPoint zoneLatency;
  private final DistributionDataPoint forwardLatency;

  /**
   * Data points of the hot labels, looked up once: a label lookup per query costs more than the
   * count.
   */
  private static final int[] TYPE_INDEX_ORDER = {
    Type.A, Type.AAAA, Type.TXT, Type.PTR, Type.SRV, Type.SOA, Type.NS, Type.ANY
  };

  private static final int CACHED_RCODES = 6; // NOERROR..REFUSED
  private final CounterDataPoint[][][] queryPoints =
      new CounterDataPoint[TYPE_INDEX_ORDER.length][CACHED_RCODES][2];

  public DnsMetrics(PrometheusRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    queries =
        Counter.builder()
            .name("sixpn_dns_queries")
            .help("DNS queries answered, by query type, response code and transport")
            .labelNames("qtype", "rcode", "transport")
            .withoutExemplars() // no tracing here; sampling exemplars costs on every increment
            .register(registry);
    refused =
        Counter.builder()
            .name("sixpn_dns_refused")
            .help("Queries refused because the source is neither a known instance nor the host")
            .register(registry);
    forwarded =
        Counter.builder()
            .name("sixpn_dns_forwarded")
            .help("Queries for names outside internal. sent upstream, by outcome")
            .labelNames("outcome")
            .register(registry);
    malformed =
        Counter.builder()
            .name("sixpn_dns_malformed")
            .help(
                "Messages that were not valid queries, by reason and whether an error was answered")
            .labelNames("reason", "action")
            .register(registry);
    truncated =
        Counter.builder()
            .name("sixpn_dns_truncated")
            .help("UDP answers sent with the TC bit because they did not fit")
            .register(registry);
    tcpRejected =
        Counter.builder()
            .name("sixpn_dns_tcp_rejected")
            .help("TCP connections closed on arrival because maxTcpConnections were open")
            .register(registry);
    sendFailed =
        Counter.builder()
            .name("sixpn_dns_send_failed")
            .help("UDP answers the kernel refused to send (lost like a dropped datagram)")
            .register(registry);
    latency =
        Histogram.builder()
            .name("sixpn_dns_query_duration_seconds")
            .help("Time from a decoded query to its response being handed to the transport")
            .classicOnly()
            .classicUpperBounds(
                0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1,
                2.5, 5)
            .labelNames("source")
            .withoutExemplars()
            .register(registry);
    zoneLatency = latency.labelValues("zone");
    forwardLatency = latency.labelValues("forward");
    for (int t = 0; t < TYPE_INDEX_ORDER.length; t++) {
      for (int r = 0; r < CACHED_RCODES; r++) {
        queryPoints[t][r][0] =
            queries.labelValues(Type.string(TYPE_INDEX_ORDER[t]), Rcode.string(r), "UDP");
        queryPoints[t][r][1] =
            queries.labelValues(Type.string(TYPE_INDEX_ORDER[t]), Rcode.string(r), "TCP");
      }
    }
  }

  private static int typeIndex(int qtype) {
    for (int i = 0; i < TYPE_INDEX_ORDER.length; i++) {
      if (TYPE_INDEX_ORDER[i] == qtype) {
        return i;
      }
    }
    return -1;
  }

  public static String typeLabel(int qtype) {
    return NAMED_TYPES.contains(qtype) ? Type.string(qtype) : "OTHER";
  }

  private void query(int qtype, int rcode, String transport) {
    int t = typeIndex(qtype);
    if (t >= 0 && rcode >= 0 && rcode < CACHED_RCODES) {
      queryPoints[t][rcode]["TCP".equals(transport) ? 1 : 0].inc();
      return;
    }
    queries.labelValues(typeLabel(qtype), Rcode.string(rcode), transport).inc();
  }

  /**
   * One answered query: its count by type, rcode and transport, TC, and its latency.
   *
   * @param transport {@code UDP} or {@code TCP}
   * @param source {@code zone} or {@code forward}
   */
  public void answered(
      int qtype, int rcode, String transport, boolean truncated, String source, long nanos) {
    query(qtype, rcode, transport);
    if (truncated) {
      this.truncated.inc();
    }
    latency(source, nanos);
  }

  public void refused() {
    refused.inc();
  }

  /**
   * @param outcome {@code answered}, {@code timeout}, {@code overload}, {@code error}
   */
  public void forwarded(String outcome) {
    forwarded.labelValues(outcome).inc();
  }

  public void malformed(MalformedDnsException.Reason reason, boolean answered) {
    malformed.labelValues(reason.name(), answered ? "formerr" : "dropped").inc();
  }

  public void tcpRejected() {
    tcpRejected.inc();
  }

  public void sendFailed(int n) {
    sendFailed.inc(n);
  }

  private void latency(String source, long nanos) {
    (source.equals("zone")
            ? zoneLatency
            : source.equals("forward") ? forwardLatency : latency.labelValues(source))
        .observe(nanos / 1e9);
  }
}
