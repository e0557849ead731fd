/** Micrometer meters of the engine: what came in, what went out, and how the model calls went. */
package io.sluice.metrics;
