/** The {@code sluice} command line: run a pipeline from a configuration file, or the demo. */
package io.sluice.cli;
