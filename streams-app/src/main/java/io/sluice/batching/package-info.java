/**
 * Crash-safe micro-batching: records are buffered as raw bytes in a changelogged state store behind
 * the record cache, scored in one model call per batch (off the stream thread, a bounded number of
 * batches at a time) when the batch is full or its oldest record has waited long enough, and
 * removed from the buffer only once their outputs have been forwarded, in input order.
 */
package io.sluice.batching;
