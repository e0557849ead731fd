/**
 * JMH micro-benchmarks of the per-record costs around the model: decoding and featurizing an event,
 * and a model call per record against one per batch. Run them with {@code load-tests/run-jmh},
 * never in the build.
 */
package io.sluice.loadtests.jmh;
