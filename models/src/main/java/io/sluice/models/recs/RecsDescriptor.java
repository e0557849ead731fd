package io.sluice.models.recs;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sluice.models.descriptor.ModelDescriptor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The descriptor of a recommender: the common {@link ModelDescriptor} fields plus a {@code
 * recommendation} block that says how to feed the graph and how to read its item indices. {@code
 * models/descriptors/README.md} documents the fields.
 *
 * @param model the common fields, written at the top level
 * @param recommendation what is specific to a recommender
 */
public record RecsDescriptor(@JsonUnwrapped ModelDescriptor model, Recommendation recommendation) {

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * How to use the recommender graph.
   *
   * @param maxRecent the width N of {@code recent_items} and {@code recent_weights}
   * @param decay the weight of the j-th most recent item is {@code decay^j} (0-based), as trained
   * @param popular item ids by training popularity, most popular first: the list for a user with no
   *     usable history
   * @param popularCounts the training ratings of each item of {@code popular}
   * @param items the catalogue: graph item index {@code i} is {@code items[i]}
   */
  public record Recommendation(
      int maxRecent,
      float decay,
      List<Long> popular,
      List<Integer> popularCounts,
      List<Item> items) {}

  /** One catalogue item. */
  public record Item(long id, String title) {}

  /** Writes this descriptor as indented JSON, replacing {@code descriptorFile}. */
  public void write(Path descriptorFile) throws IOException {
    MAPPER.writeValue(descriptorFile.toFile(), this);
  }
}
