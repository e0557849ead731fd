package io.sluice.app;

import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.ModelDescriptor.TensorSpec;
import io.sluice.inference.ModelRunner;
import io.sluice.inference.Tensor;
import io.sluice.schemas.Recommendation;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.serde.RecordPart;
import io.sluice.serde.SpecificAvroSerde;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.recs.CandidateModel;
import io.sluice.topology.recs.Catalogue;
import io.sluice.topology.recs.RecommendationStages;
import io.sluice.topology.recs.RecsSettings;
import io.sluice.topology.recs.RecsTopology;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.Topology;

/**
 * Real-time recommendations: rating events in, keyed by user id; each event updates its user's
 * recent and rated items and triggers a fresh top-K {@link Recommendation} from a session model
 * (recent items in, top-k catalogue items out).
 *
 * <p>The model must take {@value #ITEMS} (INT64 {@code [batch, N]}), {@value #WEIGHTS} (FLOAT
 * {@code [batch, N]}) and {@value #K} (INT64 {@code [1]}) and give {@value #SCORES} (FLOAT) and
 * {@value #TOP} (INT64), and its descriptor must carry a {@code recommendation} block (catalogue,
 * popularity list, recent-item weighting), as the models module's recommender trainer writes.
 */
public final class RecommendationPipeline implements PipelineKind {
  static final String ITEMS = "recent_items";
  static final String WEIGHTS = "recent_weights";
  static final String K = "k";
  static final String SCORES = "top_scores";
  static final String TOP = "top_items";

  @Override
  public String name() {
    return "recommendation";
  }

  @Override
  public Topology topology(Context c) {
    Parts parts = parts(c);
    return RecsTopology.build(
        c.config().pipeline(),
        parts.settings(),
        new SpecificAvroSerde<>(
                c.registry(),
                Recommendation.class,
                RecordPart.VALUE,
                c.config().registry().autoRegister())
            .serializer(),
        EventDecoder.avro(AvroRecordDecoder.generic(c.registry())),
        parts.catalogue(),
        parts.model(),
        parts.info(),
        c.metrics());
  }

  /** What a recommendation pipeline is made of, checked against its model. */
  public record Parts(
      Catalogue catalogue,
      RecsSettings settings,
      CandidateModel model,
      RecommendationStages.ModelInfo info) {}

  /**
   * Reads the catalogue from the model's descriptor and checks model and configuration together.
   *
   * @throws ConfigException naming the key, if they do not fit
   */
  public static Parts parts(Context c) {
    SluiceConfig.Pipeline p = c.config().pipeline();
    ModelRunner model = c.model();
    ModelDescriptor d = model.descriptor();
    checkSignature(d);
    Catalogue catalogue;
    try {
      catalogue = Catalogue.read(d.path());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(ConfigKeys.MODEL_DESCRIPTOR, d.path().toString(), e.getMessage());
    }
    long width = input(d, ITEMS).shape().get(1);
    if (width != catalogue.maxRecent()) {
      throw new ConfigException(
          ConfigKeys.MODEL_DESCRIPTOR,
          d.path().toString(),
          "input '"
              + ITEMS
              + "' takes "
              + width
              + " recent items, but 'recommendation.maxRecent' is "
              + catalogue.maxRecent());
    }
    SluiceConfig.Recs r = p.recs();
    if (r.recentItems() > catalogue.maxRecent()) {
      throw new ConfigException(
          ConfigKeys.RECS_RECENT_ITEMS,
          r.recentItems(),
          "the model "
              + model.name()
              + ":"
              + model.version()
              + " takes at most "
              + catalogue.maxRecent()
              + " recent items");
    }
    RecsSettings settings =
        new RecsSettings(
            r.k(), r.recentItems(), r.ratedMax(), (float) r.ratingMin(), (float) r.ratingMax());
    return new Parts(
        catalogue,
        settings,
        candidateModel(model),
        new RecommendationStages.ModelInfo(model.name(), model.version()));
  }

  /** The model call: one named run per batch, split into rows. */
  static CandidateModel candidateModel(ModelRunner model) {
    return (items, weights, rows, width, k) -> {
      Map<String, Tensor> in = new LinkedHashMap<>();
      in.put(ITEMS, Tensor.ofLongs(items, rows, width));
      in.put(WEIGHTS, Tensor.ofFloats(weights, rows, width));
      in.put(K, Tensor.ofLongs(new long[] {k}, 1));
      Map<String, Tensor> out = model.run(in);
      long[] top = out.get(TOP).longs();
      float[] scores = out.get(SCORES).floats();
      if (top.length != (long) rows * k || scores.length != top.length) {
        throw new IllegalStateException(
            "model "
                + model.name()
                + ":"
                + model.version()
                + " returned "
                + top.length
                + " items for "
                + rows
                + " users and k "
                + k);
      }
      CandidateModel.Candidates[] result = new CandidateModel.Candidates[rows];
      for (int i = 0; i < rows; i++) {
        result[i] =
            new CandidateModel.Candidates(
                Arrays.copyOfRange(top, i * k, (i + 1) * k),
                Arrays.copyOfRange(scores, i * k, (i + 1) * k));
      }
      return result;
    };
  }

  private static void checkSignature(ModelDescriptor d) {
    expect(d, d.inputs(), ITEMS, Tensor.INT64, 2);
    expect(d, d.inputs(), WEIGHTS, Tensor.FLOAT, 2);
    expect(d, d.inputs(), K, Tensor.INT64, 1);
    expect(d, d.outputs(), SCORES, Tensor.FLOAT, 2);
    expect(d, d.outputs(), TOP, Tensor.INT64, 2);
    if (input(d, ITEMS).shape().get(1) < 1
        || !input(d, ITEMS).shape().get(1).equals(input(d, WEIGHTS).shape().get(1))) {
      throw new ConfigException(
          ConfigKeys.MODEL_DESCRIPTOR,
          d.path().toString(),
          "inputs '" + ITEMS + "' and '" + WEIGHTS + "' must have the same fixed width");
    }
  }

  private static TensorSpec input(ModelDescriptor d, String name) {
    return d.inputs().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
  }

  private static void expect(
      ModelDescriptor d, List<TensorSpec> specs, String name, String type, int rank) {
    TensorSpec spec = specs.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
    if (spec == null || !spec.type().equals(type) || spec.shape().size() != rank) {
      throw new ConfigException(
          ConfigKeys.MODEL_DESCRIPTOR,
          d.path().toString(),
          "a recommendation model needs a tensor '"
              + name
              + "' of type "
              + type
              + " and rank "
              + rank
              + ", found "
              + (spec == null ? "none" : spec.type() + spec.shape()));
    }
  }
}
