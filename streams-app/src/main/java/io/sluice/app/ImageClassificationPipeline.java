package io.sluice.app;

import io.sluice.anomaly.LowConfidenceRule;
import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.Preprocessing;
import io.sluice.imaging.FileImageSource;
import io.sluice.imaging.ImageDecoder;
import io.sluice.imaging.ImagePreprocessor;
import io.sluice.imaging.ImageSources;
import io.sluice.inference.ModelRunner;
import io.sluice.schemas.Alert;
import io.sluice.schemas.ImageClassification;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.RecordPart;
import io.sluice.serde.SpecificAvroSerde;
import io.sluice.topology.ClassificationHandler;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.ImageClassificationHandler;
import io.sluice.topology.TopologyFactory;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.Topology;

/**
 * Image classification: image events (bytes or a URI) in, decoded and preprocessed as the model
 * descriptor declares, top-k classes out as {@link ImageClassification}s, and a low-confidence
 * {@link Alert} when the top-1 probability is under the configured minimum.
 */
public final class ImageClassificationPipeline implements PipelineKind {

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
  public Topology topology(Context c) {
    ImageClassificationHandler handler = handler(c);
    boolean autoRegister = c.config().registry().autoRegister();
    return TopologyFactory.build(
        c.config().pipeline(),
        new TopologyFactory.Output<>(
            new SpecificAvroSerde<>(
                    c.registry(), ImageClassification.class, RecordPart.VALUE, autoRegister)
                .serializer(),
            ImageClassification.class),
        new TopologyFactory.Output<>(
            new SpecificAvroSerde<>(c.registry(), Alert.class, RecordPart.VALUE, autoRegister)
                .serializer(),
            Alert.class),
        handler,
        c.model()::run,
        c.metrics());
  }

  /**
   * The handler of the pipeline's records, as the live topology and a replay use it.
   *
   * @throws ConfigException naming the key, if the configuration does not fit the model
   */
  public static ImageClassificationHandler handler(Context c) {
    SluiceConfig.Pipeline p = c.config().pipeline();
    SluiceConfig.Image image = p.image();
    ModelRunner model = c.model();
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
          ConfigKeys.IMAGE_URI_ALLOWED_DIRS, image.uriAllowedDirs().toString(), e.getMessage());
    }
    return new ImageClassificationHandler(
        EventDecoder.avro(AvroRecordDecoder.generic(c.registry())),
        new ImageClassificationHandler.Images(
            new ImageSources(List.of(files)),
            new ImageDecoder(new ImageDecoder.Limits(image.maxBytes(), image.maxPixels())),
            new ImagePreprocessor(preprocessing)),
        new ImageClassificationHandler.ModelInfo(
            model.name(), model.version(), descriptor.labels(), descriptor.softmax()),
        new ClassificationHandler.Fields(p.eventIdField(), p.eventTimeField(), p.labelField()),
        image.topK(),
        image.minConfidence().isPresent()
            ? new LowConfidenceRule(image.minConfidence().getAsDouble(), p.alertSeverity())
            : null,
        c.metrics());
  }
}
