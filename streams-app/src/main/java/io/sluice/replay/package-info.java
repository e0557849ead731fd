/**
 * Replay: scores a bounded range of a recorded input topic with one or more model versions, beside
 * the live application and without touching it, and reports metrics computed from the labels the
 * events carry.
 */
package io.sluice.replay;
