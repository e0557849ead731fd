/** Image classification: a pipeline kind plug-in. Images in, top-k classes out. */
package io.sluice.kinds.image;
