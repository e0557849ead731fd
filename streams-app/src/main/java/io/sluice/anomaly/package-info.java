/** Anomaly rules over scored events; plain Java with no Kafka Streams and no model runtime. */
package io.sluice.anomaly;
