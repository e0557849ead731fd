/**
 * Assembly of a running Sluice application from its configuration: registry client, model runner,
 * topology and Kafka Streams, with an explicit lifecycle.
 */
package io.sluice.app;
