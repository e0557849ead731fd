/**
 * Real Kafka broker and schema registry started in-process or as child processes, for the demo and
 * the integration tests.
 */
package io.sluice.embedded;
