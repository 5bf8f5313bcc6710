package dev.sixpn.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The samples of a Prometheus text exposition (format 0.0.4): {@code name{label="value",...} value
 * [timestamp]} per line; comments and blank lines skipped. Enough for {@code sixpn status}, which
 * reads the agent's own /metrics.
 */
final class PrometheusText {

  private PrometheusText() {}

  record Sample(String name, Map<String, String> labels, double value) {
    Sample {
      labels = Map.copyOf(labels);
    }

    String label(String name) {
      return labels.getOrDefault(name, "");
    }
  }

  static List<Sample> parse(String text) {
    List<Sample> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      line = line.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      out.add(sample(line));
    }
    return out;
  }

  private static Sample sample(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String key = line.substring(i, eq).strip();
        StringBuilder v = new StringBuilder();
        int j = eq + 2; // past ="
        for (; line.charAt(j) != '"'; j++) {
          char c = line.charAt(j);
          if (c == '\\') {
            char n = line.charAt(++j);
            v.append(n == 'n' ? '\n' : n);
          } else {
            v.append(c);
          }
        }
        labels.put(key, v.toString());
        i = j + 1;
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      i++;
    }
    String[] rest = line.substring(i).strip().split("\\s+");
    return new Sample(name, labels, value(rest[0]));
  }

  private static double value(String s) {
    return switch (s) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(s);
    };
  }
}
