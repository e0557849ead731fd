package io.sluice.models.recs;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.List;
import java.util.Map;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;

/**
 * Builds the ONNX scoring graph of a {@link SessionModel} with Tribuo's graph builder: it takes a
 * batch of users' recent items and returns each user's top-k items over the whole catalogue.
 *
 * <pre>
 * recent_items   int64 [batch, N]  item indices, most recent first, padded (any index, weight 0)
 * recent_weights float [batch, N]  weight of each recent item, 0 for padding
 * exclude_items  int64 [batch, M]  item indices never to return (the user's rated items), M >= 1,
 *                                  padded by repeating one of the row's own indices
 * k              int64 [1]         how many candidates to return
 *
 * user       = Σ_j w_j · input_embedding[recent_items_j] / (Σ_j w_j + ε)     Gather, Mul, ReduceSum
 * scores     = user · output_embeddingᵀ + item_bias                         Gemm
 * masked     = scores with -∞ at exclude_items                              ScatterElements (axis 1)
 * top_scores float [batch, k], top_items int64 [batch, k] = TopK(masked, k) TopK (sorted, largest)
 * </pre>
 *
 * <p>Excluding inside the graph lets TopK ask for K items instead of K plus the largest rated set
 * of the batch, which costs little beside the top-K itself. An excluded item comes back (with score
 * -∞) only when fewer than k items are left, so the caller still skips excluded items it is given.
 * Repeated indices in a row are harmless: every update writes the same -∞.
 *
 * <p>Tribuo's {@link ONNXContext} declares float inputs and outputs only, so the graph is built
 * with float placeholders and the int64 element types and the dynamic shapes are then set on the
 * built graph's {@code ValueInfoProto}s with ONNX's own protobuf builders.
 */
public final class RecsGraph {
  public static final String RECENT_ITEMS = "recent_items";
  public static final String RECENT_WEIGHTS = "recent_weights";
  public static final String EXCLUDE_ITEMS = "exclude_items";
  public static final String K = "k";
  public static final String TOP_SCORES = "top_scores";
  public static final String TOP_ITEMS = "top_items";

  private static final String DOMAIN = "io.sluice.models";
  private static final long IR_VERSION = 7;

  private RecsGraph() {}

  /** The model as an ONNX model proto. */
  public static OnnxMl.ModelProto build(SessionModel m, String name, long version) {
    int n = m.maxRecent();
    ONNXContext onnx = new ONNXContext();
    onnx.setName(name);
    ONNXPlaceholder items = onnx.floatInput(RECENT_ITEMS, n);
    ONNXPlaceholder weights = onnx.floatInput(RECENT_WEIGHTS, n);
    ONNXPlaceholder exclude = onnx.floatInput(EXCLUDE_ITEMS, 1);
    ONNXPlaceholder k = onnx.floatInput(K, 1);
    ONNXPlaceholder topScores = onnx.floatOutput(TOP_SCORES, 1);
    ONNXPlaceholder topItems = onnx.floatOutput(TOP_ITEMS, 1);

    ONNXInitializer inputEmbeddings =
        onnx.floatTensor("item_input_embeddings", List.of(m.items(), m.dim()), b -> b.put(m.input));
    ONNXInitializer outputEmbeddings =
        onnx.floatTensor(
            "item_output_embeddings", List.of(m.items(), m.dim()), b -> b.put(m.output));
    ONNXInitializer bias = onnx.array("item_bias", m.bias);

    ONNXNode normalised =
        weights.apply(
            ONNXOperators.DIV,
            weights
                .apply(
                    ONNXOperators.REDUCE_SUM,
                    onnx.array("sum_axes", new long[] {1}),
                    Map.of("keepdims", 1))
                .apply(ONNXOperators.ADD, onnx.constant("epsilon", SessionModel.WEIGHT_EPSILON)));
    ONNXNode gathered = inputEmbeddings.apply(ONNXOperators.GATHER, items, Map.of("axis", 0));
    ONNXNode user =
        gathered
            .apply(
                ONNXOperators.MUL,
                normalised.apply(
                    ONNXOperators.UNSQUEEZE, onnx.array("weight_axes", new long[] {2})))
            .apply(
                ONNXOperators.REDUCE_SUM,
                onnx.array("item_axes", new long[] {1}),
                Map.of("keepdims", 0));
    ONNXNode scores =
        onnx.operation(
            ONNXOperators.GEMM,
            List.of(user, outputEmbeddings, bias),
            "scores",
            Map.of("transB", 1));
    // -∞ of the shape of exclude_items: 0 · float(index) + (-∞), with Tribuo's operators only.
    ONNXNode minusInfinity =
        exclude
            .apply(ONNXOperators.CAST, Map.of("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()))
            .apply(ONNXOperators.MUL, onnx.constant("zero", 0f))
            .apply(ONNXOperators.ADD, onnx.constant("minus_infinity", Float.NEGATIVE_INFINITY));
    ONNXNode masked =
        onnx.operation(
            RecsOperators.SCATTER_ELEMENTS,
            List.of(scores, exclude, minusInfinity),
            "masked_scores",
            Map.of("axis", 1));
    List<ONNXNode> top =
        masked.apply(
            RecsOperators.TOP_K,
            List.of(k),
            List.of("top_k_scores", "top_k_items"),
            Map.of("axis", -1, "largest", 1, "sorted", 1));
    top.get(0).assignTo(topScores);
    top.get(1).assignTo(topItems);

    OnnxMl.GraphProto.Builder graph = onnx.buildGraph().toBuilder();
    for (OnnxMl.ValueInfoProto.Builder v : graph.getInputBuilderList()) {
      switch (v.getName()) {
        case RECENT_ITEMS -> v.setType(tensorType(OnnxMl.TensorProto.DataType.INT64, "batch", n));
        case RECENT_WEIGHTS -> v.setType(tensorType(OnnxMl.TensorProto.DataType.FLOAT, "batch", n));
        case EXCLUDE_ITEMS ->
            v.setType(tensorType(OnnxMl.TensorProto.DataType.INT64, "batch", -1, "excluded"));
        case K -> v.setType(tensorType(OnnxMl.TensorProto.DataType.INT64, null, 1));
        default -> throw new IllegalStateException("unexpected graph input " + v.getName());
      }
    }
    for (OnnxMl.ValueInfoProto.Builder v : graph.getOutputBuilderList()) {
      OnnxMl.TensorProto.DataType type =
          v.getName().equals(TOP_ITEMS)
              ? OnnxMl.TensorProto.DataType.INT64
              : OnnxMl.TensorProto.DataType.FLOAT;
      v.setType(tensorType(type, "batch", -1, "k"));
    }
    return OnnxMl.ModelProto.newBuilder()
        .setGraph(graph)
        .setDomain(DOMAIN)
        .setProducerName("Sluice")
        .setModelVersion(version)
        .addOpsetImport(ONNXOperators.getOpsetProto())
        .setIrVersion(IR_VERSION)
        .setDocString(
            "Session recommender: weighted mean of recent items' embeddings, dot product with"
                + " every item plus item bias, TopK")
        .build();
  }

  /** Each row's top items and their scores, best first. */
  record Top(long[][] items, float[][] scores) {}

  /** One run of a built graph in ONNX Runtime (the trainer's check, tests). */
  static Top run(
      OrtEnvironment env,
      OrtSession session,
      long[][] recent,
      float[][] weights,
      long[][] exclude,
      long k)
      throws OrtException {
    try (OnnxTensor items = OnnxTensor.createTensor(env, recent);
        OnnxTensor w = OnnxTensor.createTensor(env, weights);
        OnnxTensor ex = OnnxTensor.createTensor(env, exclude);
        OnnxTensor kk = OnnxTensor.createTensor(env, new long[] {k});
        OrtSession.Result result =
            session.run(Map.of(RECENT_ITEMS, items, RECENT_WEIGHTS, w, EXCLUDE_ITEMS, ex, K, kk))) {
      return new Top(
          (long[][]) result.get(TOP_ITEMS).orElseThrow().getValue(),
          (float[][]) result.get(TOP_SCORES).orElseThrow().getValue());
    }
  }

  /** A tensor type whose first dimension is {@code firstName} (symbolic) or fixed. */
  private static OnnxMl.TypeProto tensorType(
      OnnxMl.TensorProto.DataType type, String firstName, int second) {
    return tensorType(type, firstName, second, null);
  }

  private static OnnxMl.TypeProto tensorType(
      OnnxMl.TensorProto.DataType type, String firstName, int second, String secondName) {
    OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
    if (firstName != null) {
      shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(firstName));
    }
    OnnxMl.TensorShapeProto.Dimension.Builder d = OnnxMl.TensorShapeProto.Dimension.newBuilder();
    if (secondName != null) {
      d.setDimParam(secondName);
    } else {
      d.setDimValue(second);
    }
    shape.addDim(d);
    return OnnxMl.TypeProto.newBuilder()
        .setTensorType(
            OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))
        .build();
  }
}
