package org.vil4j.api;

/** Gradients of {@link Ops#attention} with respect to q, k and v. */
public record AttentionGradients(Tensor dq, Tensor dk, Tensor dv) {
}
