package io.sluice.models.recs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.descriptor.ModelDescriptor;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trains the real recommender once on MovieLens and checks how well it ranks and what it wrote. */
class RecommenderTrainerTest {
  private static final Path DATA_DIR = Path.of(System.getProperty("sluice.data.dir"));

  @TempDir static Path outDir;

  private static RecsTrainingReport report;

  @BeforeAll
  static void train() throws Exception {
    report = RecommenderTrainer.train(DATA_DIR, outDir, 42);
  }

  @Test
  void beatsPopularityByAtLeastHalfOnHitRateAt10LeaveLastOut() {
    assertThat(report.leaveLastOut().cases()).isEqualTo(610);
    assertThat(report.leaveLastOutPopularity().cases()).isEqualTo(610);
    assertThat(report.leaveLastOut().hitRate())
        .isGreaterThanOrEqualTo(1.5 * report.leaveLastOutPopularity().hitRate());
    assertThat(report.leaveLastOut().ndcg()).isGreaterThan(report.leaveLastOutPopularity().ndcg());
  }

  @Test
  void beatsOnlinePopularityPrequentially() {
    assertThat(report.prequential().cases()).isEqualTo(100_836 - (int) (100_836 * 0.9));
    assertThat(report.prequential().hitRate())
        .isGreaterThan(report.prequentialPopularity().hitRate());
  }

  @Test
  void onnxRuntimeReproducesTheJavaScores() {
    assertThat(report.maxOnnxDifference()).isLessThanOrEqualTo(1e-4);
  }

  @Test
  void writesADescriptorWithTheGraphSignatureCatalogueAndPopularityList() throws Exception {
    ModelDescriptor d = ModelDescriptor.read(report.descriptorFile());
    assertThat(d.name()).isEqualTo("movielens-session");
    assertThat(d.sha256()).isEqualTo(ModelDescriptor.sha256(report.onnxFile()));
    assertThat(d.inputs())
        .extracting(ModelDescriptor.TensorSpec::name, ModelDescriptor.TensorSpec::type)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("recent_items", "INT64"),
            org.assertj.core.groups.Tuple.tuple("recent_weights", "FLOAT"),
            org.assertj.core.groups.Tuple.tuple("exclude_items", "INT64"),
            org.assertj.core.groups.Tuple.tuple("k", "INT64"));
    assertThat(d.outputs())
        .extracting(ModelDescriptor.TensorSpec::name, ModelDescriptor.TensorSpec::type)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("top_scores", "FLOAT"),
            org.assertj.core.groups.Tuple.tuple("top_items", "INT64"));

    JsonNode recs =
        new ObjectMapper().readTree(report.descriptorFile().toFile()).get("recommendation");
    assertThat(recs.get("maxRecent").intValue()).isEqualTo(10);
    assertThat(recs.get("items")).hasSize(9742);
    assertThat(recs.get("items").get(0).get("id").longValue()).isEqualTo(1);
    assertThat(recs.get("items").get(0).get("title").textValue()).isEqualTo("Toy Story (1995)");
    // Forrest Gump has the most ratings in ml-latest-small.
    assertThat(recs.get("popular").get(0).longValue()).isEqualTo(356);
    assertThat(recs.get("popular")).hasSize(1000);
  }
}
