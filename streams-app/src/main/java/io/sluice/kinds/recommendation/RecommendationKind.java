package io.sluice.kinds.recommendation;

import io.sluice.batching.Child;
import io.sluice.config.ConfigKeys;
import io.sluice.config.SluiceConfig;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.ModelDescriptor.TensorSpec;
import io.sluice.errors.RejectedRecordException;
import io.sluice.inference.ModelRunner;
import io.sluice.inference.Tensor;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.pipeline.PipelineContext;
import io.sluice.pipeline.PipelineKind;
import io.sluice.pipeline.PipelineParts;
import io.sluice.pipeline.ReplayEvaluator;
import io.sluice.schemas.Recommendation;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.topology.EventDecoder;
import io.sluice.topology.TopologyFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.Stores;

/**
 * Real-time recommendations: rating events in, keyed by user id; each event updates its user's
 * recent and rated items (the kind's pre-batch state, changelogged) and triggers a fresh top-K
 * {@link Recommendation} from a session model (recent items in, top-k catalogue items out).
 *
 * <pre>
 * input topic (raw bytes, keyed by user id)
 *   → user state [changelogged store: recent and rated items per user] ─► dead-letter topic
 *   → micro-batcher [commit hook]  ─┬─► recommendations topic
 *                                  └─► dead-letter topic
 * </pre>
 *
 * <p>The model must take {@value #ITEMS} (INT64 {@code [batch, N]}), {@value #WEIGHTS} (FLOAT
 * {@code [batch, N]}), {@value #EXCLUDE} (INT64 {@code [batch, M]}, the items it must not return)
 * and {@value #K} (INT64 {@code [1]}) and give {@value #SCORES} (FLOAT) and {@value #TOP} (INT64),
 * and its descriptor must carry a {@code recommendation} block (catalogue, popularity list,
 * recent-item weighting), as the models module's recommender trainer writes.
 */
public final class RecommendationKind implements PipelineKind {
  static final String ITEMS = "recent_items";
  static final String WEIGHTS = "recent_weights";
  static final String EXCLUDE = "exclude_items";
  static final String K = "k";
  static final String SCORES = "top_scores";
  static final String TOP = "top_items";

  /** The processor of the per-user state, in front of the batcher. */
  public static final String USER_STATE = "user-state";

  /** The typed child, and sink, of the recommendations. */
  public static final Child<Recommendation> RECOMMENDATIONS =
      Child.of("recommendations", Recommendation.class);

  @Override
  public String name() {
    return "recommendation";
  }

  @Override
  public ConfigDef configKeys() {
    return RecommendationKeys.DEFINITION;
  }

  /** Name of the changelogged per-user state store of a pipeline. */
  public static String userStoreName(String pipeline) {
    return pipeline + "-user-state";
  }

  @Override
  public PipelineParts live(PipelineContext c) {
    Parts parts = parts(c);
    SluiceConfig.Pipeline p = c.pipeline();
    return live(
        p,
        parts,
        EventDecoder.avro(AvroRecordDecoder.generic(c.registry())),
        c.avroSink(RECOMMENDATIONS),
        c.metrics(),
        !c.settings().getBoolean(RecommendationKeys.RECS_INPUT_KEYED_BY_USER));
  }

  /** The pipeline's parts, on input keyed by user id. */
  public static PipelineParts live(
      SluiceConfig.Pipeline p,
      Parts parts,
      EventDecoder decoder,
      TopologyFactory.Sink<Recommendation> sink,
      PipelineMetrics metrics) {
    return live(p, parts, decoder, sink, metrics, false);
  }

  /**
   * The pipeline's parts from their collaborators: the per-user state in front of the batcher, the
   * stages, the recommendations sink. Public so that tests run it with a stand-in model.
   *
   * @param repartition whether to repartition the input on the user id first (input not keyed by
   *     user id)
   */
  public static PipelineParts live(
      SluiceConfig.Pipeline p,
      Parts parts,
      EventDecoder decoder,
      TopologyFactory.Sink<Recommendation> sink,
      PipelineMetrics metrics,
      boolean repartition) {
    String userStore = userStoreName(p.name());
    RecsMetrics recsMetrics = new RecsMetrics(metrics, p.name());
    RecommendationStages stages =
        new RecommendationStages(
            parts.catalogue(),
            parts.model(),
            parts.info(),
            parts.settings(),
            sink.child(),
            metrics,
            recsMetrics);
    TopologyFactory.PreBatch userState =
        new TopologyFactory.PreBatch(
            USER_STATE,
            () ->
                new UserStateProcessor(
                    p.name(),
                    userStore,
                    TopologyFactory.BATCHER,
                    TopologyFactory.DLQ_SINK,
                    decoder,
                    parts.catalogue(),
                    parts.settings(),
                    metrics,
                    recsMetrics),
            // Logged, so that a user's state survives a restart on this or another instance;
            // cached, so that a user's events between two commits reach RocksDB and the changelog
            // once (under exactly-once the cache's flush is part of the commit).
            List.of(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(userStore),
                        Serdes.Long(),
                        Serdes.ByteArray())
                    .withLoggingEnabled(Map.of())
                    .withCachingEnabled()),
            repartition ? Optional.of(userIdKey(decoder)) : Optional.empty());
    return new PipelineParts(stages, sink, List.of(), Optional.of(userState), Optional.empty());
  }

  /**
   * The user id of a rating event as a key (its decimal digits, as producers key by it), or the
   * record's own key if the record is not a rating event: the per-user state dead-letters it.
   */
  static BiFunction<byte[], byte[], byte[]> userIdKey(EventDecoder decoder) {
    return (key, value) -> {
      if (value == null) {
        return key;
      }
      try {
        long userId = Rating.of(decoder.decode(value), "").userId();
        return Long.toString(userId).getBytes(StandardCharsets.UTF_8);
      } catch (RejectedRecordException e) {
        return key;
      }
    };
  }

  @Override
  public ReplayEvaluator evaluator(PipelineContext c) {
    Parts parts = parts(c);
    return new RecommendationEvaluator(
        live(c), parts.catalogue(), parts.settings(), AvroRecordDecoder.generic(c.registry()));
  }

  /** What a recommendation pipeline is made of, checked against its model. */
  public record Parts(
      Catalogue catalogue,
      RecsSettings settings,
      java.util.function.Function<ModelRunner, CandidateModel> model,
      RecommendationStages.ModelInfo info) {}

  /** The kind's keys as settings. */
  public static RecsSettings settings(AbstractConfig s) {
    double min = s.getDouble(RecommendationKeys.RECS_RATING_MIN);
    double max = s.getDouble(RecommendationKeys.RECS_RATING_MAX);
    if (!(min <= max)) {
      throw new ConfigException(
          RecommendationKeys.RECS_RATING_MIN,
          min,
          "must not be more than " + RecommendationKeys.RECS_RATING_MAX + " (" + max + ")");
    }
    return new RecsSettings(
        s.getInt(RecommendationKeys.RECS_K),
        s.getInt(RecommendationKeys.RECS_RECENT_ITEMS),
        s.getInt(RecommendationKeys.RECS_RATED_MAX),
        (float) min,
        (float) max);
  }

  /**
   * Reads the catalogue from the model's descriptor and checks model and configuration together.
   *
   * @throws ConfigException naming the key, if they do not fit
   */
  public static Parts parts(PipelineContext c) {
    ModelRunner model = c.runner();
    ModelDescriptor d = model.descriptor();
    checkSignature(d);
    Catalogue catalogue;
    try {
      catalogue = Catalogue.of(d);
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
    RecsSettings settings = settings(c.settings());
    if (settings.recentMax() > catalogue.maxRecent()) {
      throw new ConfigException(
          RecommendationKeys.RECS_RECENT_ITEMS,
          settings.recentMax(),
          "the model "
              + model.name()
              + ":"
              + model.version()
              + " takes at most "
              + catalogue.maxRecent()
              + " recent items");
    }
    return new Parts(
        catalogue,
        settings,
        RecommendationKind::candidateModel,
        new RecommendationStages.ModelInfo(model.name(), model.version()));
  }

  /** The model call of a version: one named run per batch, split into rows. */
  static CandidateModel candidateModel(ModelRunner model) {
    return (items, weights, exclude, excludeWidth, rows, width, k) -> {
      Map<String, Tensor> in = new LinkedHashMap<>();
      in.put(ITEMS, Tensor.ofLongs(items, rows, width));
      in.put(WEIGHTS, Tensor.ofFloats(weights, rows, width));
      in.put(EXCLUDE, Tensor.ofLongs(exclude, rows, excludeWidth));
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

  /** Checks the descriptor's signature; package-private for tests. */
  static void checkSignature(ModelDescriptor d) {
    if (d.inputs().stream().noneMatch(t -> t.name().equals(EXCLUDE))) {
      throw new ConfigException(
          ConfigKeys.MODEL_DESCRIPTOR,
          d.path().toString(),
          "the descriptor's 'inputs' have no '"
              + EXCLUDE
              + "' (found "
              + d.inputs().stream().map(TensorSpec::name).toList()
              + "): a recommender trained before rated items were excluded inside the model;"
              + " train it again (sluice train recs)");
    }
    expect(d, d.inputs(), ITEMS, Tensor.INT64, 2);
    expect(d, d.inputs(), WEIGHTS, Tensor.FLOAT, 2);
    expect(d, d.inputs(), EXCLUDE, Tensor.INT64, 2);
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
