package io.sluice.batching;

import org.apache.kafka.common.header.Headers;

/**
 * An output record for a named child of the batch processor (a sink).
 *
 * @param child name of the downstream processor or sink
 */
public record Emit(String child, Object key, Object value, long timestamp, Headers headers) {}
