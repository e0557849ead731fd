/**
 * Crash-safe micro-batching: records are buffered as raw bytes in a changelogged state store,
 * scored in one model call per batch when the batch is full or its oldest record has waited long
 * enough, and only then removed from the buffer.
 */
package io.sluice.batching;
