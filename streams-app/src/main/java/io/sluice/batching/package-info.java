/**
 * Crash-safe micro-batching: records wait as raw bytes in memory and are scored in one model call
 * per batch (off the stream thread, a bounded number of batches at a time) when the batch is full,
 * when its oldest record has waited long enough, or before the task commits ({@link CommitHook}),
 * so that no input offset is committed before its outputs, which are forwarded in input order.
 */
package io.sluice.batching;
