/**
 * Benchmarks of Sluice on the embedded broker and registry, and the topologies it is compared with.
 */
package io.sluice.loadtests;
