package io.sluice.kinds.image;

import io.sluice.anomaly.LowConfidenceRule;
import io.sluice.batching.BatchStages;
import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.Preprocessing;
import io.sluice.eval.PairedBootstrap;
import io.sluice.eval.TopAccuracy;
import io.sluice.imaging.FileImageSource;
import io.sluice.imaging.ImageDecoder;
import io.sluice.imaging.ImagePreprocessor;
import io.sluice.imaging.ImageSources;
import io.sluice.inference.ModelRunner;
import io.sluice.pipeline.PipelineContext;
import io.sluice.pipeline.PipelineKind;
import io.sluice.pipeline.PipelineParts;
import io.sluice.pipeline.ReplayEvaluator;
import io.sluice.schemas.ImageClassification;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.EventFields;
import io.sluice.topology.TopologyFactory;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Image classification: image events (bytes or a URI) in, decoded and preprocessed as the model
 * descriptor declares, top-k classes out as {@link ImageClassification}s, and a low-confidence
 * alert when the top-1 probability is under the configured minimum.
 */
public final class ImageClassificationKind implements PipelineKind {

  /**
   * The reused input rows of one stream thread hold a whole batch; beyond this the batch size is
   * refused rather than risking the heap.
   */
  private static final long MAX_BATCH_ROW_BYTES = 1L << 30;

  @Override
  public String name() {
    return "image-classification";
  }

  @Override
  public ConfigDef configKeys() {
    return ImageKeys.DEFINITION;
  }

  @Override
  public PipelineParts live(PipelineContext c) {
    return PipelineParts.of(
        BatchStages.of(handler(c)),
        c.avroSink(ImageClassificationHandler.PREDICTIONS),
        c.avroSink(TopologyFactory.ALERTS));
  }

  @Override
  public ReplayEvaluator evaluator(PipelineContext c) {
    PipelineParts parts = live(c);
    int topK = settings(c.settings()).topK();
    return new ReplayEvaluator() {
      @Override
      public PipelineParts parts() {
        return parts;
      }

      @Override
      public Outcome outcome(Object prediction) {
        ImageClassification ic = (ImageClassification) prediction;
        return Outcome.of(
            ic,
            ic.getProbability(),
            ic.getLabel(),
            ic.getPredictedLabel(),
            false,
            ic.getTop().stream().map(t -> t.getLabel()).toList());
      }

      /** Top-1 and top-k accuracy against the labels the events carry. */
      @Override
      public Evaluation evaluate(List<Outcome> outcomes) {
        long labelled = 0;
        long top1 = 0;
        long inTopK = 0;
        for (Outcome o : outcomes) {
          if (o.label() == null) {
            continue;
          }
          labelled++;
          if (o.predicted().equals(o.label())) {
            top1++;
          }
          if (o.top().contains(o.label())) {
            inTopK++;
          }
        }
        return new Evaluation(
            null, TopAccuracy.of(labelled, topK, top1, inTopK), null, outcomes.size() - labelled);
      }

      /** Top-1 and top-k accuracy on the paired records that carry a label. */
      @Override
      public List<Headline> headlines(List<Outcome> mine, List<Outcome> theirs) {
        List<Integer> use = new ArrayList<>();
        for (int i = 0; i < mine.size(); i++) {
          if (mine.get(i).label() != null) {
            use.add(i);
          }
        }
        int n = use.size();
        double[][] hits = new double[4][n];
        for (int k = 0; k < n; k++) {
          Outcome a = mine.get(use.get(k));
          Outcome b = theirs.get(use.get(k));
          hits[0][k] = a.predicted().equals(a.label()) ? 1 : 0;
          hits[1][k] = b.predicted().equals(b.label()) ? 1 : 0;
          hits[2][k] = a.top().contains(a.label()) ? 1 : 0;
          hits[3][k] = b.top().contains(b.label()) ? 1 : 0;
        }
        return List.of(
            new Headline(
                "top-1 accuracy",
                "",
                n,
                PairedBootstrap.mean(hits[0]),
                PairedBootstrap.mean(hits[1])),
            new Headline(
                "top-" + topK + " accuracy",
                "",
                n,
                PairedBootstrap.mean(hits[2]),
                PairedBootstrap.mean(hits[3])));
      }
    };
  }

  /**
   * What image pipelines add: limits on one image, the directories {@code file:} URIs may point
   * into, how many classes a classification lists, and the low-confidence alert.
   */
  public record Settings(
      int maxBytes,
      long maxPixels,
      List<Path> uriAllowedDirs,
      int topK,
      OptionalDouble minConfidence) {
    public Settings {
      uriAllowedDirs = List.copyOf(uriAllowedDirs);
    }
  }

  /** The kind's keys as a record. */
  public static Settings settings(AbstractConfig s) {
    return new Settings(
        s.getInt(ImageKeys.IMAGE_MAX_BYTES),
        s.getLong(ImageKeys.IMAGE_MAX_PIXELS),
        Arrays.stream(s.getString(ImageKeys.IMAGE_URI_ALLOWED_DIRS).split(","))
            .map(String::trim)
            .filter(d -> !d.isEmpty())
            .map(Path::of)
            .toList(),
        s.getInt(ImageKeys.TOP_K),
        SluiceConfig.threshold(
            ImageKeys.ALERT_MIN_CONFIDENCE, s.getString(ImageKeys.ALERT_MIN_CONFIDENCE).trim()));
  }

  /**
   * The handler of the pipeline's records, as the live topology and a replay use it.
   *
   * @throws ConfigException naming the key, if the configuration does not fit the model
   */
  public static ImageClassificationHandler handler(PipelineContext c) {
    SluiceConfig.Pipeline p = c.pipeline();
    Settings image = settings(c.settings());
    ModelRunner model = c.runner();
    ModelDescriptor descriptor = model.descriptor();
    Preprocessing preprocessing =
        descriptor
            .preprocessing()
            .orElseThrow(
                () ->
                    new ConfigException(
                        ConfigKeys.MODEL_DESCRIPTOR,
                        descriptor.path().toString(),
                        "an image-classification pipeline needs a model descriptor with a"
                            + " 'preprocessing' block"));
    if (descriptor.labels().isEmpty()) {
      throw new ConfigException(
          ConfigKeys.MODEL_DESCRIPTOR,
          descriptor.path().toString(),
          "an image-classification pipeline needs a model descriptor with labels or labelsFile");
    }
    long batchBytes = (long) p.batchMaxSize() * preprocessing.rowLength() * Float.BYTES;
    if (batchBytes > MAX_BATCH_ROW_BYTES) {
      throw new ConfigException(
          ConfigKeys.BATCH_MAX_SIZE,
          p.batchMaxSize(),
          "a batch of that many "
              + preprocessing.rowShape()
              + " images needs "
              + batchBytes / (1 << 20)
              + " MiB of input rows per stream thread; the limit is "
              + MAX_BATCH_ROW_BYTES / (1 << 20)
              + " MiB");
    }
    FileImageSource files;
    try {
      files = new FileImageSource(image.uriAllowedDirs());
    } catch (UncheckedIOException e) {
      throw new ConfigException(
          ImageKeys.IMAGE_URI_ALLOWED_DIRS, image.uriAllowedDirs().toString(), e.getMessage());
    }
    return new ImageClassificationHandler(
        EventDecoder.avro(AvroRecordDecoder.generic(c.registry())),
        new ImageClassificationHandler.Images(
            new ImageSources(List.of(files)),
            new ImageDecoder(new ImageDecoder.Limits(image.maxBytes(), image.maxPixels())),
            new ImagePreprocessor(preprocessing)),
        new ImageClassificationHandler.ModelInfo(
            model.name(), model.version(), descriptor.labels(), descriptor.softmax()),
        new EventFields(p.eventIdField(), p.eventTimeField(), p.labelField()),
        image.topK(),
        image.minConfidence().isPresent()
            ? new LowConfidenceRule(image.minConfidence().getAsDouble(), p.alertSeverity())
            : null,
        c.metrics());
  }
}
