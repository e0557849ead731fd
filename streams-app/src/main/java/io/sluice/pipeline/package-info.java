/**
 * The engine's API for pipeline kinds: {@link io.sluice.pipeline.PipelineKind}, found through
 * {@link java.util.ServiceLoader}, what it is given ({@link io.sluice.pipeline.PipelineContext})
 * and what it gives back (its {@link io.sluice.pipeline.PipelineParts} and its {@link
 * io.sluice.pipeline.ReplayEvaluator}).
 */
package io.sluice.pipeline;
