package io.sluice.kinds.recommendation;

import io.sluice.batching.BufferedRecord;
import io.sluice.errors.DeadLetter;
import io.sluice.errors.RejectedRecordException;
import io.sluice.eval.PairedBootstrap;
import io.sluice.eval.Ranking;
import io.sluice.eval.RankingMetrics;
import io.sluice.pipeline.PipelineParts;
import io.sluice.pipeline.ReplayEvaluator;
import io.sluice.schemas.Recommendation;
import io.sluice.schemas.TriggerStatus;
import io.sluice.serde.AvroRecordDecoder;
import io.sluice.topology.EventDecoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;

/**
 * A recommender version in a replay, measured prequentially: every user's state is rebuilt from the
 * range's events (so a range that starts mid-history sees users without their earlier events), and
 * each event's item is ranked against the list made before the event, next to a popularity
 * baseline.
 *
 * <p>The baseline counts the items of the range's events seen so far in the same partition, as
 * {@code eval/Prequential}'s popularity counts the events revealed so far: per partition because a
 * live task sees only its partition, and because the replay interleaves partitions as the
 * consumer's polls happen to return them, which must not change the metrics.
 */
final class RecommendationEvaluator implements ReplayEvaluator {
  private final PipelineParts parts;
  private final Catalogue catalogue;
  private final RecsSettings settings;
  private final EventDecoder decoder;
  private final Map<Long, UserState> users = new HashMap<>();
  private final Map<Integer, int[]> counts = new HashMap<>();
  private final Ranking.Accumulator model;
  private final Ranking.Accumulator popularity;
  private final Map<Long, Integer> popularityRanks = new HashMap<>();
  private final Map<Integer, Set<Long>> scored = new HashMap<>();

  RecommendationEvaluator(
      PipelineParts parts,
      Catalogue catalogue,
      RecsSettings settings,
      AvroRecordDecoder<GenericRecord> avro) {
    this.parts = parts;
    this.catalogue = catalogue;
    this.settings = settings;
    this.decoder = EventDecoder.avro(avro);
    this.model = new Ranking.Accumulator(settings.k());
    this.popularity = new Ranking.Accumulator(settings.k());
  }

  @Override
  public PipelineParts parts() {
    return parts;
  }

  /**
   * The batch as the model stage sees it: each event carries its user's state from BEFORE the event
   * (the live pipeline's is from after), so the list is made without knowing the event. Then the
   * event is revealed: to the user's state, and to the popularity baseline after it has ranked the
   * event's item.
   */
  @Override
  public List<BufferedRecord> beforeScoring(
      List<BufferedRecord> records, Consumer<RejectedRecordException> rejected) {
    List<BufferedRecord> out = new ArrayList<>(records.size());
    for (BufferedRecord r : records) {
      Rating e;
      try {
        if (r.value() == null) {
          throw new RejectedRecordException(
              DeadLetter.Stage.DECODE, "EMPTY", "record has no value");
        }
        e = Rating.of(decoder.decode(r.value()), r.coordinates());
      } catch (RejectedRecordException x) {
        rejected.accept(x);
        continue;
      }
      UserState before = users.getOrDefault(e.userId(), UserState.empty());
      Rating.Transition t = e.applyTo(before, catalogue, settings);
      RecsRequest request = RecsRequest.of(e, t.status(), before);
      if (t.applied()) {
        int item = catalogue.indexOf(e.itemId());
        int[] seen = counts.computeIfAbsent(r.partition(), p -> new int[catalogue.size()]);
        popularityRanks.put(r.offset(), popularityRank(seen, item, before.rated()));
        seen[item]++;
        users.put(e.userId(), t.state());
      }
      out.add(
          new BufferedRecord(
              r.key(),
              r.value(),
              r.timestamp(),
              request.into(r.headers()),
              r.topic(),
              r.partition(),
              r.offset(),
              r.ingestTimeMs()));
    }
    return out;
  }

  /**
   * The 0-based rank of {@code item} among the items by count so far (ties: lower catalogue index
   * first), skipping the user's rated items; -1 if not in the top K.
   */
  private int popularityRank(int[] counts, int item, int[] rated) {
    Set<Integer> skip = new HashSet<>();
    for (int r : rated) {
      skip.add(r);
    }
    if (skip.contains(item)) {
      return -1;
    }
    int rank = 0;
    for (int i = 0; i < counts.length && rank < settings.k(); i++) {
      if (i != item
          && !skip.contains(i)
          && (counts[i] > counts[item] || (counts[i] == counts[item] && i < item))) {
        rank++;
      }
    }
    return rank < settings.k() ? rank : -1;
  }

  /** Scores one recommendation; its outcome's score is the NDCG gain. */
  @Override
  public Outcome outcome(Object prediction) {
    Recommendation rec = (Recommendation) prediction;
    List<String> top = rec.getItems().stream().map(i -> Long.toString(i.getItemId())).toList();
    String target = Long.toString(rec.getTrigger().getItemId());
    int rank = top.indexOf(target);
    TriggerStatus status = rec.getTrigger().getStatus();
    if (status == TriggerStatus.APPLIED || status == TriggerStatus.LATE) {
      scored
          .computeIfAbsent(rec.getSourcePartition(), p -> new HashSet<>())
          .add(rec.getSourceOffset());
      model.add(rank);
      popularity.add(popularityRanks.remove(rec.getSourceOffset()));
    }
    return new Outcome(
        rec.getSourcePartition(),
        rec.getSourceOffset(),
        rec.getTrigger().getEventId(),
        rank < 0 ? 0 : Ranking.ndcg(rank, settings.k()),
        target,
        top.isEmpty() ? "" : top.get(0),
        false,
        top);
  }

  /** Events the model failed on are not scored. */
  @Override
  public void afterBatch() {
    popularityRanks.clear();
  }

  /**
   * HitRate@K and NDCG@K on the paired events this version scored (valid ratings of catalogue
   * items), from each event's NDCG gain in the two versions' lists.
   */
  @Override
  public List<Headline> headlines(List<Outcome> mine, List<Outcome> theirs) {
    List<Integer> use = new ArrayList<>();
    for (int i = 0; i < mine.size(); i++) {
      Outcome o = mine.get(i);
      if (scored.getOrDefault(o.partition(), Set.of()).contains(o.offset())) {
        use.add(i);
      }
    }
    int n = use.size();
    double[][] v = new double[4][n];
    for (int k = 0; k < n; k++) {
      double a = mine.get(use.get(k)).score();
      double b = theirs.get(use.get(k)).score();
      v[0][k] = a > 0 ? 1 : 0;
      v[1][k] = b > 0 ? 1 : 0;
      v[2][k] = a;
      v[3][k] = b;
    }
    int k = settings.k();
    return List.of(
        new Headline("HitRate@" + k, "", n, PairedBootstrap.mean(v[0]), PairedBootstrap.mean(v[1])),
        new Headline("NDCG@" + k, "", n, PairedBootstrap.mean(v[2]), PairedBootstrap.mean(v[3])));
  }

  @Override
  public Evaluation evaluate(List<Outcome> outcomes) {
    RankingMetrics ranking = RankingMetrics.of(model, popularity);
    return new Evaluation(null, null, ranking, outcomes.size() - ranking.events());
  }
}
