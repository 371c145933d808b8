package org.vil4j.api;

/**
 * Gradients of a column-wise affine map {@code y = n * weight + bias} over rows (a normalisation's scale and shift):
 * {@code weight[c] = sum_r dy[r, c] * n[r, c]}, {@code bias[c] = sum_r dy[r, c]}, each {@code [columns]}.
 */
public record AffineGradients(Tensor weight, Tensor bias) {
}
