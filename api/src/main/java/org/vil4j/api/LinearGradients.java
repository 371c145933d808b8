package org.vil4j.api;

/**
 * The parameter gradients of a linear map with a bias ({@link Ops#linear}, {@link Ops#headwiseLinear}): the weight's
 * and {@code sum_r dy[r, :]}, the bias's.
 */
public record LinearGradients(Tensor weight, Tensor bias) {
}
