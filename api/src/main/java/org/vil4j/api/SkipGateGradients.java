package org.vil4j.api;

/** Gradients of {@link Ops#skipGate} with respect to its tensor inputs h, a and z. */
public record SkipGateGradients(Tensor dh, Tensor da, Tensor dz) {
}
