/**
 * Micrometer meters of the engine (what came in, what went out, how the batches and model calls
 * went), the process's Prometheus registry with the JVM's meters, and the HTTP endpoint that serves
 * them with liveness and readiness.
 */
package io.sluice.metrics;
