package io.sluice.topology;

import io.sluice.errors.RejectedRecordException;
import org.apache.avro.generic.GenericRecord;

/**
 * Decodes the raw value of an input record into an Avro record. Bad bytes are rejected with stage
 * {@code decode}; failures that are not the record's fault (registry unreachable) are thrown
 * unchecked. Thread-safe.
 */
@FunctionalInterface
public interface EventDecoder {
  GenericRecord decode(byte[] value) throws RejectedRecordException;
}
