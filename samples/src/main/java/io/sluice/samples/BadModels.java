package io.sluice.samples;

import io.sluice.descriptor.DescriptorException;
import io.sluice.descriptor.ModelDescriptor;
import io.sluice.descriptor.ModelDescriptor.Golden;
import io.sluice.descriptor.ModelDescriptor.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Model versions that a rollout must refuse, written beside a good one: one per check a new version
 * goes through before it serves. Each has a version of its own, so that a refusal names it.
 */
public final class BadModels {
  private BadModels() {}

  /**
   * Writes the four bad versions of the good descriptor's model, in its directory.
   *
   * @return by the check that refuses it ({@code session}, {@code sha256}, {@code signature},
   *     {@code golden}), the descriptor of each bad version
   */
  public static Map<String, Path> write(Path goodDescriptor)
      throws IOException, DescriptorException {
    ModelDescriptor good = ModelDescriptor.read(goodDescriptor);
    Path dir = goodDescriptor.toAbsolutePath().getParent();
    Map<String, Path> bad = new LinkedHashMap<>();

    // A file ONNX Runtime cannot parse, whose descriptor has its true hash.
    Path corrupt = dir.resolve(good.name() + "-corrupt.onnx");
    byte[] model = Files.readAllBytes(good.modelFile());
    byte[] truncated = new byte[model.length / 3];
    System.arraycopy(model, 0, truncated, 0, truncated.length);
    Files.write(corrupt, truncated);
    bad.put(
        "session",
        write(
            dir,
            variant(
                good, "corrupt", corrupt.getFileName().toString(), sha256(truncated), null, null)));

    // The good file, but a descriptor that expects other bytes.
    String wrongSha = "0".repeat(63) + "1";
    bad.put("sha256", write(dir, variant(good, "bad-sha256", null, wrongSha, null, null)));

    // A descriptor that declares an input of another width than the model's.
    TensorSpec in = good.inputs().get(0);
    List<Long> shape = new ArrayList<>(in.shape());
    shape.set(shape.size() - 1, shape.get(shape.size() - 1) + 1);
    bad.put(
        "signature",
        write(
            dir,
            variant(
                good,
                "bad-signature",
                null,
                null,
                List.of(new TensorSpec(in.name(), in.type(), shape)),
                null)));

    // Golden outputs the model does not give.
    Golden golden = good.golden().orElseThrow();
    List<float[]> outputs = new ArrayList<>();
    for (float[] row : golden.outputs()) {
      float[] wrong = row.clone();
      wrong[0] = 1 - wrong[0] + 0.25f;
      outputs.add(wrong);
    }
    bad.put(
        "golden",
        write(
            dir,
            variant(good, "bad-golden", null, null, null, new Golden(golden.inputs(), outputs))));
    return bad;
  }

  private static Path write(Path dir, ModelDescriptor d) throws IOException {
    Path path = dir.resolve(d.name() + "-" + d.version() + ".json");
    d.write(path);
    return path;
  }

  private static ModelDescriptor variant(
      ModelDescriptor d,
      String version,
      String file,
      String sha256,
      List<TensorSpec> inputs,
      Golden golden) {
    return new ModelDescriptor(
        d.path(),
        d.name(),
        version,
        file == null ? d.file() : file,
        sha256 == null ? d.sha256() : sha256,
        inputs == null ? d.inputs() : inputs,
        d.outputs(),
        d.features(),
        d.labels(),
        d.positiveLabel(),
        d.alertThreshold(),
        golden == null ? d.golden() : Optional.of(golden),
        d.preprocessing(),
        d.softmax(),
        d.categoricals(),
        d.linear(),
        d.reference(),
        d.referenceRows(),
        d.training(),
        d.recommendation());
  }

  private static String sha256(byte[] bytes) {
    return ModelDescriptor.sha256(bytes);
  }
}
