package io.sluice.models.recs;

import ai.onnx.proto.OnnxMl;
import java.util.Map;
import java.util.Set;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;

/**
 * ONNX operators the recommender graph needs that Tribuo's {@link ONNXOperators} (4.3.2) does not
 * list. They plug into Tribuo's graph builder through its public {@link ONNXOperator} interface, at
 * the same opset as Tribuo's own operators.
 */
enum RecsOperators implements ONNXOperator {
  /**
   * The {@code k} largest (or smallest) elements along an axis and their int64 indices; the second
   * input is {@code k} as a one-element int64 tensor (opset 11 and later). Equal values keep the
   * lower index first.
   *
   * <ul>
   *   <li>{@code axis} defaults to -1, the last axis
   *   <li>{@code largest} defaults to 1
   *   <li>{@code sorted} defaults to 1
   * </ul>
   */
  TOP_K(
      "TopK",
      2,
      2,
      Map.of(
          "axis", new ONNXAttribute("axis", OnnxMl.AttributeProto.AttributeType.INT, false),
          "largest", new ONNXAttribute("largest", OnnxMl.AttributeProto.AttributeType.INT, false),
          "sorted", new ONNXAttribute("sorted", OnnxMl.AttributeProto.AttributeType.INT, false))),
  /**
   * A copy of the data with the updates written at the indices along an axis (opset 11 and later):
   * inputs data, int64 indices and updates, the last two of one shape. Used to set excluded items'
   * scores to -∞ before {@link #TOP_K}.
   *
   * <ul>
   *   <li>{@code axis} defaults to 0
   * </ul>
   */
  SCATTER_ELEMENTS(
      "ScatterElements",
      3,
      1,
      Map.of("axis", new ONNXAttribute("axis", OnnxMl.AttributeProto.AttributeType.INT, false)));

  private final String opName;
  private final int numInputs;
  private final int numOutputs;
  private final Map<String, ONNXAttribute> attributes;

  RecsOperators(
      String opName, int numInputs, int numOutputs, Map<String, ONNXAttribute> attributes) {
    this.opName = opName;
    this.numInputs = numInputs;
    this.numOutputs = numOutputs;
    this.attributes = attributes;
  }

  @Override
  public String getOpName() {
    return opName;
  }

  @Override
  public int getNumInputs() {
    return numInputs;
  }

  @Override
  public int getNumOptionalInputs() {
    return 0;
  }

  @Override
  public int getNumOutputs() {
    return numOutputs;
  }

  @Override
  public Map<String, ONNXAttribute> getAttributes() {
    return attributes;
  }

  @Override
  public Set<String> getMandatoryAttributeNames() {
    return Set.of();
  }

  @Override
  public int getOpVersion() {
    return ONNXOperators.getOpsetVersion();
  }

  @Override
  public String getOpDomain() {
    return null;
  }
}
