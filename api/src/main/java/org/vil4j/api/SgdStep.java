package org.vil4j.api;

/**
 * One SGD update with momentum, as torch.optim.SGD: {@code g = gradScale * grad + wd * p; v = momentum * v + g} (v = g
 * on the first step); {@code p -= lr * (nesterov ? g + momentum * v : v)}.
 */
public record SgdStep(float learningRate, float momentum, float weightDecay, boolean nesterov, boolean firstStep,
                      float gradScale) {
}
