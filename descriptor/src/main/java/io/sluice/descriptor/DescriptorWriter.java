package io.sluice.descriptor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.descriptor.ModelDescriptor.Categorical;
import io.sluice.descriptor.ModelDescriptor.Distribution;
import io.sluice.descriptor.ModelDescriptor.Item;
import io.sluice.descriptor.ModelDescriptor.Linear;
import io.sluice.descriptor.ModelDescriptor.Recommendation;
import io.sluice.descriptor.ModelDescriptor.TensorSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a descriptor as the JSON that {@link DescriptorReader} reads, fields in the order of the
 * README, empty optional blocks left out. Used through {@link ModelDescriptor#write(Path)}.
 */
final class DescriptorWriter {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private DescriptorWriter() {}

  static void write(ModelDescriptor d, Path descriptorFile) throws IOException {
    MAPPER.writeValue(descriptorFile.toFile(), json(d));
  }

  static ObjectNode json(ModelDescriptor d) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("name", d.name());
    root.put("version", d.version());
    root.put("file", d.file());
    root.put("sha256", d.sha256());
    tensors(root.putArray("inputs"), d.inputs());
    tensors(root.putArray("outputs"), d.outputs());
    strings(root, "features", d.features());
    strings(root, "labels", d.labels());
    d.positiveLabel().ifPresent(label -> root.put("positiveLabel", label));
    d.alertThreshold().ifPresent(threshold -> root.put("alertThreshold", threshold));
    d.golden()
        .ifPresent(
            golden -> {
              ObjectNode node = root.putObject("golden");
              rows(node.putArray("inputs"), golden.inputs());
              rows(node.putArray("outputs"), golden.outputs());
            });
    if (!d.training().isEmpty()) {
      root.set("training", MAPPER.valueToTree(d.training()));
    }
    if (!d.categoricals().isEmpty()) {
      ArrayNode array = root.putArray("categoricals");
      for (Categorical c : d.categoricals()) {
        ObjectNode node = array.addObject();
        node.put("name", c.name());
        node.put("encoding", c.encoding());
        c.values().forEach(node.putArray("values")::add);
      }
    }
    d.linear().ifPresent(linear -> linear(root.putObject("linear"), linear));
    if (!d.reference().isEmpty() || d.referenceRows().isPresent()) {
      ObjectNode reference = root.putObject("reference");
      d.referenceRows()
          .ifPresent(
              rows -> {
                reference.put("rows", rows.rows());
                reference.put("count", rows.count());
              });
      ObjectNode distributions = reference.putObject("distributions");
      for (Map.Entry<String, Distribution> e : d.reference().entrySet()) {
        ObjectNode node = distributions.putObject(e.getKey());
        e.getValue().edges().forEach(node.putArray("edges")::add);
        e.getValue().proportions().forEach(node.putArray("proportions")::add);
      }
    }
    d.preprocessing().ifPresent(p -> preprocessing(root.putObject("preprocessing"), p));
    if (d.softmax()) {
      root.putObject("postprocessing").put("softmax", true);
    }
    d.recommendation().ifPresent(r -> recommendation(root.putObject("recommendation"), r));
    return root;
  }

  private static void tensors(ArrayNode array, List<TensorSpec> specs) {
    for (TensorSpec spec : specs) {
      ObjectNode node = array.addObject();
      node.put("name", spec.name());
      node.put("type", spec.type());
      spec.shape().forEach(node.putArray("shape")::add);
    }
  }

  private static void strings(ObjectNode root, String field, List<String> values) {
    if (!values.isEmpty()) {
      values.forEach(root.putArray(field)::add);
    }
  }

  private static void rows(ArrayNode array, List<float[]> rows) {
    for (float[] row : rows) {
      ArrayNode node = array.addArray();
      for (float value : row) {
        node.add(value);
      }
    }
  }

  private static void linear(ObjectNode node, Linear linear) {
    node.put("positiveLabel", linear.positiveLabel());
    linear.means().forEach(node.putArray("means")::add);
    linear.scales().forEach(node.putArray("scales")::add);
    linear.coefficients().forEach(node.putArray("coefficients")::add);
    node.put("intercept", linear.intercept());
  }

  private static void preprocessing(ObjectNode node, Preprocessing p) {
    node.put("resize", p.resize().name().toLowerCase(Locale.ROOT));
    node.put("width", p.width());
    node.put("height", p.height());
    node.put("channels", p.channels().name());
    node.put("layout", p.layout().name());
    node.put("pixelDivisor", p.pixelDivisor());
    p.mean().forEach(node.putArray("mean")::add);
    p.std().forEach(node.putArray("std")::add);
  }

  private static void recommendation(ObjectNode node, Recommendation r) {
    node.put("maxRecent", r.maxRecent());
    node.put("decay", r.decay());
    r.popular().forEach(node.putArray("popular")::add);
    r.popularCounts().forEach(node.putArray("popularCounts")::add);
    ArrayNode items = node.putArray("items");
    for (Item item : r.items()) {
      items.addObject().put("id", item.id()).put("title", item.title());
    }
  }
}
