package io.sluice.loadtests;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.embedded.EmbeddedStack;
import io.sluice.imaging.ImageDecoder;
import io.sluice.imaging.ImagePreprocessor;
import io.sluice.imaging.ImageRejectedException;
import io.sluice.inference.ExecutionProvider;
import io.sluice.inference.InferenceSettings;
import io.sluice.inference.ModelLoader;
import io.sluice.inference.ModelRunner;
import io.sluice.kinds.image.ImageKeys;
import io.sluice.samples.ImageDemo;
import io.sluice.samples.ImageEvents;
import io.sluice.samples.OutputCollector;
import io.sluice.schemas.ImageClassification;
import io.sluice.schemas.ImageEvent;
import io.sluice.serde.RegistrySettings;
import io.sluice.serde.RestSchemaRegistryClient;
import io.sluice.serde.SchemaRegistryClient;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures the image classification pipeline end to end (images/s from the first image entering the
 * batcher to the last classification read, on the embedded broker and registry) against the raw
 * in-process rate of the same steps in the same JVM: the same decoder, the same preprocessing in
 * parallel per batch on the common fork-join pool, the same model with the same session settings,
 * no Kafka.
 *
 * <p>The images are the eight ImageNet sample photos, cycled, sent as encoded bytes; every run
 * checks that each image came out once.
 */
@Command(
    name = "run-vision-benchmark",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "End-to-end images/s of the image classification pipeline against the raw in-process"
            + " decode + preprocess + inference rate, same decoder and thread layout, same run.")
public final class VisionThroughputBenchmark implements Callable<Integer> {
  private static final List<String> PHOTOS =
      List.of(
          "cat.jpg",
          "dog.jpg",
          "fish.png",
          "grace_hopper.jpg",
          "imagenet_finch.jpeg",
          "kitten_224.png",
          "space_shuttle.jpg",
          "tigerCat.jpg");

  @Option(names = "--images", description = "Images per measured run (default: ${DEFAULT-VALUE}).")
  int images = 2000;

  @Option(names = "--batch", description = "pipeline.batch.max.size (default: ${DEFAULT-VALUE}).")
  int batch = 32;

  @Option(names = "--repeat", description = "Measured runs of each (default: ${DEFAULT-VALUE}).")
  int repeat = 3;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Any other Sluice configuration key for the pipeline, e.g."
              + " pipeline.batch.max.in.flight=0 (repeatable).")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(
      names = "--data-dir",
      description = "Data directory (default: SLUICE_DATA_DIR or ../shared/data).")
  Path dataDir =
      Path.of(Optional.ofNullable(System.getenv("SLUICE_DATA_DIR")).orElse("../shared/data"));

  @Option(
      names = "--descriptors",
      description = "Vision descriptors folder (default: ${DEFAULT-VALUE}).")
  Path descriptors = Path.of("models", "descriptors", "vision");

  private final PrintStream out = System.out;

  public static void main(String[] args) {
    System.exit(new CommandLine(new VisionThroughputBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    dataDir = dataDir.toAbsolutePath().normalize();
    List<byte[]> photos = new ArrayList<>();
    for (String name : PHOTOS) {
      photos.add(Files.readAllBytes(ImageEvents.imagesDir(dataDir).resolve(name)));
    }
    out.printf(
        Locale.ROOT,
        "vision benchmark: %,d images per run (8 sample photos cycled), batch %d, %d runs each,"
            + " %d cores, common pool parallelism %d%n",
        images,
        batch,
        repeat,
        Runtime.getRuntime().availableProcessors(),
        java.util.concurrent.ForkJoinPool.getCommonPoolParallelism());
    Path descriptor = descriptors.resolve(ImageDemo.IMAGENET.descriptor() + ".json");
    List<Double> raw = new ArrayList<>();
    List<Double> e2e = new ArrayList<>();
    List<Map<String, Double>> changelogs = new ArrayList<>();
    // Raw and end-to-end runs alternate, so that both see the same machine; run 0 warms both up.
    try (ModelRunner model =
            ModelLoader.load(
                descriptor, new InferenceSettings(ExecutionProvider.CPU, 0, 1, 1, true), dataDir);
        EmbeddedStack stack = EmbeddedStack.start();
        SchemaRegistryClient registry =
            new RestSchemaRegistryClient(RegistrySettings.of(stack.registry().url()))) {
      Raw r = new Raw(model, photos);
      for (int i = 0; i <= repeat; i++) {
        int n = i == 0 ? Math.min(images, 256) : images;
        double rawRate = r.run(n);
        double e2eRate = endToEnd(stack, registry, descriptor, photos, i, n);
        if (i > 0) {
          raw.add(rawRate);
          e2e.add(e2eRate);
          // Store names carry the run's pipeline name; the same store of every run shares one.
          Map<String, Double> changelog = new java.util.TreeMap<>();
          int run = i;
          Footprint.perEvent(
                  Footprint.changelogOffsets(stack.kafka().bootstrapServers(), applicationId(i)), n)
              .forEach((store, v) -> changelog.put(store.replace(pipelineName(run), "vision"), v));
          changelogs.add(changelog);
          out.printf(
              Locale.ROOT,
              "  run %d: raw in-process %,.0f images/s, end to end %,.0f images/s%n",
              i,
              rawRate,
              e2eRate);
        }
      }
      r.breakdown();
    }
    double rawMedian = median(raw);
    double e2eMedian = median(e2e);
    out.println();
    out.printf(Locale.ROOT, "raw in-process  %,.0f images/s (median of %d)%n", rawMedian, repeat);
    out.printf(
        Locale.ROOT,
        "end to end      %,.0f images/s (median of %d) = %.0f%% of raw%n",
        e2eMedian,
        repeat,
        100 * e2eMedian / rawMedian);
    out.println(Footprint.changelogLine("end to end", Footprint.medians(changelogs)));
    out.println(Footprint.rssLine());
    return 0;
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /** The pipeline name of end-to-end run {@code run}. */
  private static String pipelineName(int run) {
    return "vision-bench-" + run;
  }

  /** The application id of end-to-end run {@code run}. */
  private static String applicationId(int run) {
    return "bench-bench-" + run;
  }

  /** Decode, preprocess and infer in process, batch by batch, as the pipeline does at flush. */
  private final class Raw {
    private final ModelRunner model;
    private final List<byte[]> photos;
    private final ImageDecoder decoder;
    private final ImagePreprocessor preprocessor;
    private final float[][] rows;

    Raw(ModelRunner model, List<byte[]> photos) {
      this.model = model;
      this.photos = photos;
      this.decoder = new ImageDecoder(new ImageDecoder.Limits(10 << 20, 4096L * 4096L));
      this.preprocessor = new ImagePreprocessor(model.descriptor().preprocessing().orElseThrow());
      this.rows = new float[batch][preprocessor.rowLength()];
    }

    double run(int n) {
      long started = System.nanoTime();
      for (int from = 0; from < n; from += batch) {
        int size = Math.min(batch, n - from);
        int first = from;
        IntStream.range(0, size)
            .parallel()
            .forEach(
                i ->
                    preprocessor.preprocess(
                        decode(photos.get((first + i) % photos.size())), rows[i], 0));
        model.run(List.of(rows).subList(0, size));
      }
      return n / ((System.nanoTime() - started) / 1e9);
    }

    private java.awt.image.BufferedImage decode(byte[] data) {
      try {
        return decoder.decode(data).image();
      } catch (ImageRejectedException e) {
        throw new IllegalStateException("a sample photo did not decode", e);
      }
    }

    /** Single-threaded cost of each step per image, to show where the time goes. */
    void breakdown() {
      int n = 400;
      long decode = 0;
      long pre = 0;
      java.awt.image.BufferedImage[] decoded = new java.awt.image.BufferedImage[batch];
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        decoded[i % batch] = decode(photos.get(i % photos.size()));
        long t1 = System.nanoTime();
        preprocessor.preprocess(decoded[i % batch], rows[i % batch], 0);
        pre += System.nanoTime() - t1;
        decode += t1 - t0;
      }
      long t2 = System.nanoTime();
      for (int i = 0; i < n / batch; i++) {
        model.run(List.of(rows));
      }
      long infer = System.nanoTime() - t2;
      out.printf(
          Locale.ROOT,
          "  per image, one thread: decode %.2f ms, resize+normalise %.2f ms, inference %.2f ms"
              + " (batches of %d)%n",
          decode / 1e6 / n,
          pre / 1e6 / n,
          infer / 1e6 / (n / batch * batch),
          batch);
    }
  }

  private double endToEnd(
      EmbeddedStack stack,
      SchemaRegistryClient registry,
      Path descriptor,
      List<byte[]> photos,
      int run,
      int n)
      throws Exception {
    String suffix = "bench-" + run;
    ImageDemo.Pipeline p =
        new ImageDemo.Pipeline(
            pipelineName(run), ImageDemo.IMAGENET.descriptor(), "images-" + suffix, 0.0);
    p.createTopics(stack);
    Map<String, String> c =
        new java.util.HashMap<>(
            p.config(
                stack,
                descriptor.getParent(),
                dataDir,
                applicationId(run),
                Files.createTempDirectory("sluice-bench-state")));
    c.put(ConfigKeys.BATCH_MAX_SIZE, Integer.toString(batch));
    c.put(ConfigKeys.EXECUTION_PROVIDER, "cpu");
    c.remove(ImageKeys.ALERT_MIN_CONFIDENCE);
    c.putAll(settings);
    List<ImageEvent> events = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      events.add(ImageEvents.withData("img-" + i, i, photos.get(i % photos.size()), null));
    }
    // Produced before the application starts, so that the producer does not compete for the CPU:
    // the run is timed from the first image entering the batcher to the last classification
    // read (read_committed).
    int produced =
        ImageEvents.produce(stack.kafka().bootstrapServers(), registry, p.input(), events);
    try (SluiceApplication app =
            SluiceApplication.create(
                ConfigLoader.load(Optional.empty(), Map.of(), c), new SimpleMeterRegistry());
        OutputCollector collector =
            new OutputCollector(
                stack.kafka().bootstrapServers(),
                registry,
                ImageClassification.class,
                p.predictions(),
                p.alerts(),
                p.deadLetters())) {
      app.start();
      if (!collector.awaitOutputs(produced, Duration.ofMinutes(10))) {
        throw new IllegalStateException("run " + run + ": not every image came out in 10 minutes");
      }
      long lastMs =
          System.currentTimeMillis()
              - (System.nanoTime() - collector.lastReceivedNanos()) / 1_000_000;
      List<ImageClassification> results = collector.predictions(ImageClassification.class);
      long firstMs =
          results.stream().mapToLong(r -> r.getIngestTime().toEpochMilli()).min().orElseThrow();
      double seconds = (lastMs - firstMs) / 1e3;
      long distinct = results.stream().map(ImageClassification::getEventId).distinct().count();
      if (distinct != n || !collector.deadLetters().isEmpty()) {
        throw new IllegalStateException(
            "run " + run + ": " + distinct + " distinct classifications for " + n + " images");
      }
      return n / seconds;
    }
  }
}
