/**
 * Images to model input: reading encoded images from event bytes or URIs within limits, decoding
 * them (JPEG, PNG) with the decompression-bomb check before decoding, and the preprocessing a model
 * descriptor declares (resize, channel order, normalisation, NCHW floats).
 *
 * <p>Plain Java and ImageIO: no Kafka, no Avro, no ONNX Runtime, so it can be tested and
 * benchmarked alone. Every bad image is an {@link io.sluice.imaging.ImageRejectedException} with a
 * reason code, never an unchecked exception or an error.
 */
package io.sluice.imaging;
