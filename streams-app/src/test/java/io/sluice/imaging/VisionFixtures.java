package io.sluice.imaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The sample images and the reference top-5 table of {@code ../shared/data/PROVENANCE.md}, and the
 * vision model descriptors of the repository.
 */
public final class VisionFixtures {
  private VisionFixtures() {}

  /** One row of the PROVENANCE table: the top-5 indices and the probabilities it states. */
  public record Expected(String file, List<Integer> top5, Map<Integer, Double> probabilities) {}

  /** The mobilenetv2-12-int8 table, in its order (ties in index order). */
  public static final List<Expected> MOBILENET_TABLE =
      List.of(
          new Expected(
              "kitten_224.png",
              List.of(281, 282, 285, 753, 283),
              Map.of(281, 0.854, 282, 0.066, 285, 0.066)),
          new Expected("fish.png", List.of(0, 389, 391, 6, 390), Map.of(0, 0.751, 389, 0.209)),
          new Expected("imagenet_finch.jpeg", List.of(12, 8, 82, 86, 10), Map.of(12, 0.989)),
          new Expected("space_shuttle.jpg", List.of(812, 814, 525, 484, 833), Map.of(812, 0.9999)),
          new Expected(
              "cat.jpg",
              List.of(278, 282, 281, 277, 285),
              Map.of(278, 0.194, 282, 0.194, 281, 0.120)),
          new Expected(
              "grace_hopper.jpg",
              List.of(834, 457, 652, 667, 451),
              Map.of(834, 0.374, 457, 0.168, 652, 0.168)),
          new Expected(
              "tigerCat.jpg", List.of(282, 281, 285, 287, 463), Map.of(282, 0.698, 281, 0.267)),
          new Expected(
              "dog.jpg",
              List.of(266, 265, 267, 153, 155),
              Map.of(266, 0.664, 265, 0.157, 267, 0.134)));

  /** The MNIST sample image and the digit mnist-8 gives it. */
  public static final String MNIST_SAMPLE = "3.jpg";

  public static Path dataDir() {
    String dir = System.getProperty("sluice.data.dir");
    assertThat(dir).as("system property sluice.data.dir (set by the build)").isNotNull();
    return Path.of(dir).toAbsolutePath().normalize();
  }

  public static Path image(String file) {
    return dataDir().resolve("vision/images").resolve(file);
  }

  /** The repository's vision descriptors; tests run in the module directory. */
  public static Path descriptor(String name) {
    Path p = Path.of("..", "models", "descriptors", "vision", name + ".json").toAbsolutePath();
    assertThat(p).as("vision descriptor").isRegularFile();
    return p.normalize();
  }
}
