package io.sluice.kinds.recommendation;

import io.sluice.batching.BatchHandler;
import io.sluice.batching.BatchStages;
import io.sluice.batching.BufferedRecord;
import io.sluice.batching.Child;
import io.sluice.batching.Emit;
import io.sluice.errors.DeadLetter;
import io.sluice.errors.RejectedRecordException;
import io.sluice.inference.ModelRunner;
import io.sluice.metrics.PipelineMetrics;
import io.sluice.schemas.Recommendation;
import io.sluice.schemas.RecommendationSource;
import io.sluice.schemas.RecommendationTrigger;
import io.sluice.schemas.RecommendedItem;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The steps of the recommendation pipeline around the model call: read each event's {@link
 * RecsRequest}, score the users with recent items in one model call, and turn the candidates into a
 * {@link Recommendation} of K items the user has not rated.
 *
 * <p>The model is given each user's rated set and asked for K candidates: it scores rated items -∞
 * before its top-K (see {@link CandidateModel}), so that asking for K plus the largest rated set of
 * the batch, several times slower, is not needed. A rated item it still returns (only when fewer
 * than K unrated items are left) is skipped here. A user with no recent items (every event so far
 * was an unknown item or an invalid rating) gets the catalogue's popularity list instead, without a
 * model call, and the record says so ({@link RecommendationSource#POPULARITY}). Stateless and
 * thread-safe.
 */
public final class RecommendationStages
    implements BatchStages<RecsRequest, CandidateModel.Candidates> {

  /** The model's name and version, stamped on every recommendation. */
  public record ModelInfo(String name, String version) {}

  private final Catalogue catalogue;
  private final Function<ModelRunner, CandidateModel> model;
  private final ModelInfo info;
  private final RecsSettings settings;
  private final Child<Recommendation> sink;
  private final PipelineMetrics metrics;
  private final RecsMetrics recsMetrics;

  /**
   * Stages of a stand-in model (tests, benchmarks), whatever version serves.
   *
   * @param sink the child the recommendations go to
   */
  public RecommendationStages(
      Catalogue catalogue,
      CandidateModel model,
      ModelInfo info,
      RecsSettings settings,
      Child<Recommendation> sink,
      PipelineMetrics metrics,
      RecsMetrics recsMetrics) {
    this(catalogue, runner -> model, info, settings, sink, metrics, recsMetrics);
  }

  /**
   * @param model the model call of the version serving a batch
   * @param sink the child the recommendations go to
   */
  public RecommendationStages(
      Catalogue catalogue,
      Function<ModelRunner, CandidateModel> model,
      ModelInfo info,
      RecsSettings settings,
      Child<Recommendation> sink,
      PipelineMetrics metrics,
      RecsMetrics recsMetrics) {
    if (settings.recentMax() > catalogue.maxRecent()) {
      throw new IllegalArgumentException(
          "recentMax "
              + settings.recentMax()
              + " is more than the model's "
              + catalogue.maxRecent()
              + " recent items");
    }
    this.catalogue = catalogue;
    this.model = model;
    this.info = info;
    this.settings = settings;
    this.sink = sink;
    this.metrics = metrics;
    this.recsMetrics = recsMetrics;
  }

  @Override
  public RecsRequest prepare(BufferedRecord record) throws RejectedRecordException {
    Header h = record.headers().lastHeader(RecsRequest.HEADER);
    if (h == null) {
      throw new RejectedRecordException(
          DeadLetter.Stage.FEATURIZE,
          "NO_USER_STATE",
          "record has no " + RecsRequest.HEADER + " header: it did not pass the user state");
    }
    try {
      return RecsRequest.from(h);
    } catch (UncheckedIOException | IllegalStateException e) {
      throw new RejectedRecordException(
          DeadLetter.Stage.FEATURIZE, "NO_USER_STATE", e.getMessage(), e);
    }
  }

  @Override
  public List<CandidateModel.Candidates> score(ModelRunner runner, List<RecsRequest> prepared) {
    List<CandidateModel.Candidates> out =
        new ArrayList<>(Collections.nCopies(prepared.size(), null));
    int width = catalogue.maxRecent();
    List<Integer> rows = new ArrayList<>();
    int maxRated = 0;
    for (int i = 0; i < prepared.size(); i++) {
      if (prepared.get(i).recent().length > 0) {
        rows.add(i);
        maxRated = Math.max(maxRated, prepared.get(i).rated().length);
      }
    }
    if (rows.isEmpty()) {
      return out;
    }
    long[] items = new long[rows.size() * width];
    float[] weights = new float[rows.size() * width];
    int excludeWidth = Math.max(1, maxRated);
    long[] exclude = new long[rows.size() * excludeWidth];
    for (int r = 0; r < rows.size(); r++) {
      RecsRequest request = prepared.get(rows.get(r));
      int[] rated = request.rated();
      if (rated.length == 0) {
        // The event's own item is rated whenever there are recent items (UserState.apply).
        throw new IllegalStateException(
            "request of event " + request.eventId() + " has recent items but no rated items");
      }
      int base = r * excludeWidth;
      for (int j = 0; j < rated.length; j++) {
        exclude[base + j] = rated[j];
      }
      Arrays.fill(exclude, base + rated.length, base + excludeWidth, rated[0]);
      int[] recent = request.recent();
      float w = 1f;
      for (int j = 0; j < recent.length && j < width; j++) {
        items[r * width + j] = recent[j];
        weights[r * width + j] = w;
        w *= catalogue.decay();
      }
    }
    int k = Math.min(catalogue.size(), settings.k());
    CandidateModel.Candidates[] candidates =
        model.apply(runner).topK(items, weights, exclude, excludeWidth, rows.size(), width, k);
    if (candidates.length != rows.size()) {
      throw new IllegalStateException(
          "model returned " + candidates.length + " rows for " + rows.size() + " users");
    }
    for (int r = 0; r < rows.size(); r++) {
      out.set(rows.get(r), candidates[r]);
    }
    return out;
  }

  @Override
  public List<Emit<?>> complete(
      List<Scored<RecsRequest, CandidateModel.Candidates>> scored, BatchHandler.BatchInfo batch) {
    List<Emit<?>> emits = new ArrayList<>(scored.size());
    for (Scored<RecsRequest, CandidateModel.Candidates> s : scored) {
      Recommendation rec = recommend(s.prepared(), s.output(), s.source(), batch);
      emits.add(Emit.to(sink, s.source().key(), rec, s.source().timestamp(), outputHeaders()));
    }
    metrics.predictionsOut(emits.size());
    return emits;
  }

  /** The recommendation for one request, from its candidates or (if null) the popularity list. */
  Recommendation recommend(
      RecsRequest request,
      CandidateModel.Candidates candidates,
      BufferedRecord source,
      BatchHandler.BatchInfo batch) {
    int[] rated = request.rated();
    List<RecommendedItem> items = new ArrayList<>(settings.k());
    RecommendationSource from;
    if (candidates == null) {
      from = RecommendationSource.POPULARITY;
      recsMetrics.count("popularity_fallback");
      int[] popular = catalogue.popular();
      for (int i = 0; i < popular.length && items.size() < settings.k(); i++) {
        if (Arrays.binarySearch(rated, popular[i]) < 0) {
          items.add(item(items.size() + 1, popular[i], catalogue.popularCount(i)));
        }
      }
    } else {
      from = RecommendationSource.MODEL;
      for (int i = 0; i < candidates.items().length && items.size() < settings.k(); i++) {
        int index = (int) candidates.items()[i];
        if (Arrays.binarySearch(rated, index) < 0) {
          items.add(item(items.size() + 1, index, candidates.scores()[i]));
        }
      }
    }
    if (items.size() < settings.k()) {
      recsMetrics.count("short_list");
    }
    List<Long> recent;
    if (from == RecommendationSource.POPULARITY) {
      recent = List.of();
    } else {
      recent = new ArrayList<>(request.recent().length);
      for (int i : request.recent()) {
        recent.add(catalogue.id(i));
      }
    }
    // The records' constructors, not their builders: a builder copies the schema's fields and
    // checks each value, a cost per recommendation the profile showed; every value here is set.
    Instant eventTime = Instant.ofEpochMilli(request.eventTime());
    return new Recommendation(
        request.userId(),
        items,
        from,
        recent,
        batch.model() == null ? info.name() : batch.model().name(),
        batch.model() == null ? info.version() : batch.model().version(),
        new RecommendationTrigger(
            request.eventId(), request.itemId(), request.rating(), eventTime, request.status()),
        eventTime,
        Instant.ofEpochMilli(source.ingestTimeMs()),
        Instant.ofEpochMilli(batch.inferenceTimeMs()),
        batch.size(),
        source.topic(),
        source.partition(),
        source.offset());
  }

  private RecommendedItem item(int rank, int index, double score) {
    return new RecommendedItem(rank, catalogue.id(index), catalogue.title(index), score);
  }

  private static Headers outputHeaders() {
    return new RecordHeaders();
  }

  @Override
  public String toString() {
    return "RecommendationStages[" + info + ", " + settings + ", items " + catalogue.size() + "]";
  }
}
