/** Typed, documented, layered configuration of a Sluice application and its pipelines. */
package io.sluice.config;
