/**
 * Real-time recommendations: a pipeline kind plug-in with per-user state in front of the batcher
 * and a top-K list out per rating event.
 */
package io.sluice.kinds.recommendation;
