package io.sluice.topology;

import io.sluice.errors.DeadLetter.Stage;
import io.sluice.errors.RejectedRecordException;
import io.sluice.serde.AvroDecodeException;
import io.sluice.serde.AvroRecordDecoder;
import org.apache.avro.generic.GenericRecord;

/**
 * Decodes the raw value of an input record into an Avro record. Bad bytes are rejected with stage
 * {@code decode}; failures that are not the record's fault (registry unreachable) are thrown
 * unchecked. Thread-safe.
 */
@FunctionalInterface
public interface EventDecoder {
  GenericRecord decode(byte[] value) throws RejectedRecordException;

  /**
   * Avro on the Confluent wire format. Bad bytes are the record's fault and rejected with the
   * decoder's reason; a registry outage is not, and is thrown as is so that the record is not
   * dead-lettered.
   */
  static EventDecoder avro(AvroRecordDecoder<GenericRecord> avro) {
    return bytes -> {
      try {
        return avro.decode(bytes);
      } catch (AvroDecodeException e) {
        if (e.isRetriable()) {
          throw e;
        }
        throw new RejectedRecordException(Stage.DECODE, e.reason().name(), e.getMessage(), e);
      }
    };
  }
}
