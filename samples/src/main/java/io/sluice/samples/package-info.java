/**
 * The demos and what they share with the command line, the integration tests and the load tests:
 * the sample-event readers, the producer of sample events, the output collectors and the rule
 * comparison.
 */
package io.sluice.samples;
