package org.vil4j.api;

/** Gradients of {@link Ops#mlstm} with respect to q, k, v and the two gate pre-activations. */
public record MlstmGradients(Tensor dq, Tensor dk, Tensor dv, Tensor digate, Tensor dfgate) {
}
