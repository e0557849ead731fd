package io.sluice.kinds.recommendation;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.ModelDescriptor.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class RecommendationKindSignatureTest {
  private static final List<TensorSpec> OUTPUTS =
      List.of(
          new TensorSpec("top_scores", "FLOAT", List.of(-1L, -1L)),
          new TensorSpec("top_items", "INT64", List.of(-1L, -1L)));

  private static ModelDescriptor descriptor(boolean withExclusion) {
    List<TensorSpec> inputs = new ArrayList<>();
    inputs.add(new TensorSpec("recent_items", "INT64", List.of(-1L, 10L)));
    inputs.add(new TensorSpec("recent_weights", "FLOAT", List.of(-1L, 10L)));
    if (withExclusion) {
      inputs.add(new TensorSpec("exclude_items", "INT64", List.of(-1L, -1L)));
    }
    inputs.add(new TensorSpec("k", "INT64", List.of(1L)));
    return ModelDescriptor.builder("movielens-session", "1", "m.onnx", "00", inputs, OUTPUTS)
        .path(Path.of("models", "recs", "recommender.json"))
        .build();
  }

  @Test
  void refusesARecommenderTrainedBeforeExclusionNamingTheDescriptorField() {
    assertThatThrownBy(() -> RecommendationKind.checkSignature(descriptor(false)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("recommender.json")
        .hasMessageContaining("'inputs' have no 'exclude_items'")
        .hasMessageContaining("train it again");
  }

  @Test
  void acceptsTheCurrentSignature() {
    assertThatCode(() -> RecommendationKind.checkSignature(descriptor(true)))
        .doesNotThrowAnyException();
  }
}
