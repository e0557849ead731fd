package io.sluice.app;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the Prometheus text format as a scraper would, for assertions on served metrics. */
final class Prometheus {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Pattern LINE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+\\d+)?$");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** One sample: a metric name, its labels and its value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples;

  private Prometheus(List<Sample> samples) {
    this.samples = samples;
  }

  /** A GET of an endpoint: status and body. */
  record Response(int status, String body) {}

  static Response get(int port, String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Response(r.statusCode(), r.body());
  }

  static Prometheus scrape(int port) throws IOException, InterruptedException {
    Response r = get(port, "/metrics");
    if (r.status() != 200) {
      throw new AssertionError("GET /metrics answered " + r.status() + ": " + r.body());
    }
    return parse(r.body());
  }

  static Prometheus parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line.trim());
      if (!m.matches()) {
        throw new AssertionError("not a Prometheus sample line: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
    }
    return new Prometheus(samples);
  }

  /** The samples of a metric whose labels include all the given ones. */
  List<Sample> find(String name, String... labelPairs) {
    List<Sample> out = new ArrayList<>();
    for (Sample s : samples) {
      if (!s.name().equals(name)) {
        continue;
      }
      boolean all = true;
      for (int i = 0; i < labelPairs.length; i += 2) {
        all &= labelPairs[i + 1].equals(s.labels().get(labelPairs[i]));
      }
      if (all) {
        out.add(s);
      }
    }
    return out;
  }

  /** The sum of the matching samples; fails if there are none. */
  double sum(String name, String... labelPairs) {
    List<Sample> found = find(name, labelPairs);
    if (found.isEmpty()) {
      throw new AssertionError(
          "no sample " + name + " with labels " + List.of(labelPairs) + " in " + names());
    }
    return found.stream().mapToDouble(Sample::value).sum();
  }

  /** Every metric name served. */
  List<String> names() {
    return samples.stream().map(Sample::name).distinct().sorted().toList();
  }
}
