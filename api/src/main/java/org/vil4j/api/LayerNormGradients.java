package org.vil4j.api;

/** The gradients of {@link Ops#layerNorm} with respect to its input, weight and bias. */
public record LayerNormGradients(Tensor dx, Tensor weight, Tensor bias) {
}
