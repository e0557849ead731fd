/**
 * Avro on the Confluent wire format: a Schema Registry client of our own ({@link
 * io.sluice.serde.RestSchemaRegistryClient}, or {@link io.sluice.serde.LocalSchemaRegistry} without
 * a registry), a decoder whose failures carry a machine-readable reason ({@link
 * io.sluice.serde.AvroRecordDecoder}, {@link io.sluice.serde.AvroDecodeException}), and Kafka
 * serdes built on them.
 */
package io.sluice.serde;
