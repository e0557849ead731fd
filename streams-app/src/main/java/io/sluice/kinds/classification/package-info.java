/**
 * Tabular classification (fraud scoring, intrusion detection): a pipeline kind plug-in. Event
 * fields mapped to the model's features, class probabilities out as predictions, and the anomaly
 * stage; a shadow model may be scored beside.
 */
package io.sluice.kinds.classification;
