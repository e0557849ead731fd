package io.sluice.metrics;

/**
 * What the health endpoints report about the application at one moment.
 *
 * @param live false once the application has failed and should be restarted
 * @param ready true only while the streams are RUNNING with the model loaded
 * @param detail one line for people: the application, streams and model states
 */
public record Health(boolean live, boolean ready, String detail) {}
