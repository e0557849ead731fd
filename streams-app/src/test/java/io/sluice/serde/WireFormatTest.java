package io.sluice.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.schemas.CardTransaction;
import io.sluice.serde.AvroDecodeException.Reason;
import java.io.IOException;
import java.util.Arrays;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

class WireFormatTest {

  @Test
  void writesMagicByteThenBigEndianSchemaIdThenAvroBinary() throws IOException {
    CardTransaction transaction = Fixtures.transaction("t-1", 1);

    byte[] bytes = Fixtures.encoded(0x01020304, transaction);

    assertThat(Arrays.copyOf(bytes, 5)).containsExactly(0x00, 0x01, 0x02, 0x03, 0x04);
    BinaryDecoder body = DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null);
    CardTransaction read = new SpecificDatumReader<>(CardTransaction.class).read(null, body);
    assertThat(read).isEqualTo(transaction);
    assertThat(body.isEnd()).isTrue();
  }

  @Test
  void readsBackTheSchemaIdItWrote() {
    for (int id : new int[] {1, 255, 256, 65_536, Integer.MAX_VALUE}) {
      assertThat(WireFormat.schemaId(Fixtures.encoded(id, Fixtures.transaction("t", null))))
          .isEqualTo(id);
    }
  }

  @Test
  void rejectsNullAndEmptyBytes() {
    assertThatThrownBy(() -> WireFormat.schemaId(null))
        .isInstanceOfSatisfying(
            AvroDecodeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.EMPTY))
        .hasMessageContaining("null");
    assertThatThrownBy(() -> WireFormat.schemaId(new byte[0]))
        .isInstanceOfSatisfying(
            AvroDecodeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.EMPTY))
        .hasMessage(
            "no bytes (length 0), expected the Confluent wire format: magic byte 0x00, 4-byte"
                + " schema id, Avro binary");
  }

  @Test
  void rejectsWrongMagicByteSayingWhatItFound() {
    byte[] json = "{\"id\":\"t-1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    assertThatThrownBy(() -> WireFormat.schemaId(json))
        .isInstanceOfSatisfying(
            AvroDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_MAGIC_BYTE))
        .hasMessage("wrong magic byte 0x7b ('{'), expected 0x00 (Confluent wire format)");
    assertThatThrownBy(() -> WireFormat.schemaId(new byte[] {(byte) 0xff, 0, 0, 0, 1, 2}))
        .hasMessage("wrong magic byte 0xff, expected 0x00 (Confluent wire format)");
  }

  @Test
  void rejectsHeaderShorterThanFiveBytes() {
    assertThatThrownBy(() -> WireFormat.schemaId(new byte[] {0, 0, 0, 7}))
        .isInstanceOfSatisfying(
            AvroDecodeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOO_SHORT))
        .hasMessage(
            "4 byte(s) is too short for the wire format header, expected at least 5 (magic byte"
                + " 0x00 and 4-byte schema id)");
  }
}
