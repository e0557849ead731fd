package io.sluice.samples;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.kinds.image.ImageKeys;
import io.sluice.schemas.Alert;
import io.sluice.schemas.ClassProbability;
import io.sluice.schemas.ImageClassification;
import io.sluice.schemas.ImageEvent;
import io.sluice.serde.SchemaRegistryClient;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The image classification demo: streams the sample photos (by {@code file:} URI) and one bad image
 * of each kind through MobileNetV2, then the MNIST t10k test set (as PNG bytes) through mnist-8, on
 * the embedded broker and registry, and prints the top-5 of each photo, the low-confidence alerts,
 * the dead letters and the MNIST accuracy.
 */
public final class ImageDemo {
  /** The ImageNet pipeline: topics and descriptor. */
  public static final Pipeline IMAGENET =
      new Pipeline("imagenet", "mobilenetv2-12-int8", "images", 0.5);

  /** The MNIST pipeline: topics and descriptor. */
  public static final Pipeline MNIST = new Pipeline("mnist", "mnist-8", "digits", 0.9);

  /**
   * One image pipeline of the demo.
   *
   * @param name pipeline name, also the prefix of its topics
   * @param descriptor the file name (without .json) of its descriptor in the vision descriptors
   * @param input the input topic
   * @param minConfidence the low-confidence alert threshold
   */
  public record Pipeline(String name, String descriptor, String input, double minConfidence) {
    public String predictions() {
      return name + "-classifications";
    }

    public String alerts() {
      return name + "-alerts";
    }

    public String deadLetters() {
      return name + "-dead-letters";
    }

    Demo.Topics topics() {
      return new Demo.Topics(input, predictions(), alerts(), deadLetters());
    }

    public void createTopics(EmbeddedStack stack) {
      topics().create(stack);
    }

    /** Configuration of this pipeline against the embedded stack. */
    public Map<String, String> config(
        EmbeddedStack stack,
        Path descriptorsDir,
        Path dataDir,
        String applicationId,
        Path stateDir) {
      Path descriptorFile = descriptorsDir.resolve(descriptor + ".json");
      Map<String, String> c =
          Demo.pipelineConfig(stack, name, topics(), descriptorFile, applicationId, stateDir);
      c.put(ConfigKeys.DATA_DIR, dataDir.toAbsolutePath().toString());
      c.put(ConfigKeys.PIPELINE_KIND, "image-classification");
      c.put(
          ImageKeys.IMAGE_URI_ALLOWED_DIRS,
          ImageEvents.imagesDir(dataDir).toAbsolutePath().toString());
      c.put(ImageKeys.ALERT_MIN_CONFIDENCE, Double.toString(minConfidence));
      c.put(ConfigKeys.BATCH_MAX_SIZE, "32");
      c.put(ConfigKeys.BATCH_MAX_LINGER_MS, "100");
      return c;
    }
  }

  private final Path dataDir;
  private final Path descriptorsDir;
  private final PrintStream out;

  public ImageDemo(Path dataDir, Path descriptorsDir, PrintStream out) {
    this.dataDir = dataDir.toAbsolutePath().normalize();
    this.descriptorsDir = descriptorsDir;
    this.out = out;
  }

  /** Runs the demo on a started embedded stack; returns the process exit code. */
  public int run(EmbeddedStack stack) throws Exception {
    out.println("== Sluice demo: image classification ==");
    try (SchemaRegistryClient registry = Demo.registry(stack)) {
      boolean photos = photos(stack, registry);
      out.println();
      boolean digits = digits(stack, registry);
      return photos && digits ? 0 : 1;
    }
  }

  private SluiceApplication start(EmbeddedStack stack, Pipeline p) throws Exception {
    p.createTopics(stack);
    Path state = Demo.newStateDir("sluice-demo-" + p.name());
    SluiceConfig config =
        Demo.loadSingleInstance(
            p.config(stack, descriptorsDir, dataDir, "sluice-demo-" + p.name(), state));
    SluiceApplication app = SluiceApplication.create(config, new SimpleMeterRegistry());
    try {
      app.start();
    } catch (RuntimeException e) {
      app.close();
      throw e;
    }
    return app;
  }

  private OutputCollector collector(EmbeddedStack stack, SchemaRegistryClient r, Pipeline p) {
    return new OutputCollector(
        stack.kafka().bootstrapServers(),
        r,
        ImageClassification.class,
        p.predictions(),
        p.alerts(),
        p.deadLetters());
  }

  private boolean photos(EmbeddedStack stack, SchemaRegistryClient registry) throws Exception {
    List<ImageEvent> events = new ArrayList<>();
    int seq = 0;
    for (Path image : ImageEvents.sampleImages(dataDir)) {
      events.add(
          ImageEvents.withUri(
              image.getFileName().toString(),
              seq++,
              image.toAbsolutePath().toUri().toString(),
              null));
    }
    List<ImageEvents.PoisonPill> pills =
        ImageEvents.poisonPills(dataDir, ImageEvents.imagesDir(dataDir));
    pills.forEach(pill -> events.add(pill.event()));
    try (SluiceApplication app = start(stack, IMAGENET);
        OutputCollector c = collector(stack, registry, IMAGENET)) {
      out.printf(
          Locale.ROOT,
          "model %s:%s on %s, %d sample photos by file: URI + %d bad images; low-confidence"
              + " alert under %.2f%n",
          app.model().name(),
          app.model().version(),
          app.model().activeProvider().configName(),
          events.size() - pills.size(),
          pills.size(),
          IMAGENET.minConfidence());
      int produced =
          ImageEvents.produce(stack.kafka().bootstrapServers(), registry, IMAGENET.input(), events);
      boolean complete = c.awaitOutputs(produced, Duration.ofMinutes(2));
      c.poll(Duration.ofMillis(500));
      out.println();
      out.println("top-5 per photo:");
      c.predictions(ImageClassification.class).stream()
          .sorted(Comparator.comparing(ImageClassification::getEventId))
          .forEach(p -> out.printf(Locale.ROOT, "  %-20s %s%n", p.getEventId(), top5(p)));
      printAlerts(c.alerts());
      out.printf(
          Locale.ROOT,
          "dead letters (%d of %d bad images):%n",
          c.deadLetters().size(),
          pills.size());
      c.deadLetters()
          .forEach(
              d -> out.printf(Locale.ROOT, "  %s/%s: %s%n", d.stage(), d.reason(), d.message()));
      return complete && c.deadLetters().size() == pills.size();
    }
  }

  private boolean digits(EmbeddedStack stack, SchemaRegistryClient registry) throws Exception {
    List<ImageEvent> events = ImageEvents.mnist(dataDir, Integer.MAX_VALUE);
    try (SluiceApplication app = start(stack, MNIST);
        OutputCollector c = collector(stack, registry, MNIST)) {
      out.printf(
          Locale.ROOT,
          "model %s:%s on %s (batch dimension fixed at 1), MNIST t10k: %,d digits as PNG bytes%n",
          app.model().name(),
          app.model().version(),
          app.model().activeProvider().configName(),
          events.size());
      long started = System.nanoTime();
      int produced =
          ImageEvents.produce(stack.kafka().bootstrapServers(), registry, MNIST.input(), events);
      boolean complete = c.awaitOutputs(produced, Duration.ofMinutes(5));
      double seconds = (c.lastReceivedNanos() - started) / 1e9;
      c.poll(Duration.ofMillis(500));
      List<ImageClassification> results = c.predictions(ImageClassification.class);
      long correct =
          results.stream().filter(p -> p.getPredictedLabel().equals(p.getLabel())).count();
      out.printf(
          Locale.ROOT,
          "accuracy         %,d/%,d = %.2f%% (the model offline: 9,891/10,000)%n",
          correct,
          results.size(),
          100.0 * correct / Math.max(1, results.size()));
      out.printf(
          Locale.ROOT,
          "throughput       %,.0f images/s end to end (%.1f s)%n",
          produced / seconds,
          seconds);
      out.printf(
          Locale.ROOT,
          "alerts           %,d low-confidence (top-1 under %.2f)%n",
          c.alerts().size(),
          MNIST.minConfidence());
      out.printf(Locale.ROOT, "dead letters     %,d%n", c.deadLetters().size());
      return complete && c.deadLetters().isEmpty();
    }
  }

  private void printAlerts(List<Alert> alerts) {
    out.printf(Locale.ROOT, "low-confidence alerts (%d):%n", alerts.size());
    alerts.stream()
        .sorted(Comparator.comparing(Alert::getEventId))
        .forEach(
            a ->
                out.printf(
                    Locale.ROOT,
                    "  [%s] %s: %s%n",
                    a.getSeverity(),
                    a.getEventId(),
                    a.getReason()));
  }

  private static String top5(ImageClassification p) {
    return p.getTop().stream().map(t -> formatClass(t)).collect(Collectors.joining(", "));
  }

  private static String formatClass(ClassProbability t) {
    return String.format(
        Locale.ROOT, "[%d] %s %.4f", t.getIndex(), t.getLabel(), t.getProbability());
  }
}
