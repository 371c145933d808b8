package org.vil4j.backend.java;

import org.vil4j.api.AdamWStep;
import org.vil4j.api.SgdStep;

/** In-place parameter updates; float arithmetic in the order torch.optim uses. */
final class OptimiserKernels {
    private OptimiserKernels() {
    }

    static double sumOfSquares(float[] x) {
        double sum = 0;
        for (float v : x) {
            sum += (double) v * v;
        }
        return sum;
    }

    static void adamw(float[] p, float[] grad, float[] m, float[] v, AdamWStep step) {
        float lr = step.learningRate();
        float b1 = step.beta1();
        float b2 = step.beta2();
        float decay = 1f - lr * step.weightDecay();
        float stepSize = lr / step.biasCorrection1();
        float sqrtBc2 = (float) Math.sqrt(step.biasCorrection2());
        float gs = step.gradScale();
        float eps = step.eps();
        Parallel.forRange(p.length, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                float g = grad[i] * gs;
                p[i] *= decay;
                m[i] = b1 * m[i] + (1f - b1) * g;
                v[i] = b2 * v[i] + (1f - b2) * g * g;
                p[i] -= stepSize * m[i] / ((float) Math.sqrt(v[i]) / sqrtBc2 + eps);
            }
        });
    }

    static void sgd(float[] p, float[] grad, float[] velocity, SgdStep step) {
        float mu = step.momentum();
        Parallel.forRange(p.length, 4, (from, to) -> {
            for (int i = from; i < to; i++) {
                float g = grad[i] * step.gradScale() + step.weightDecay() * p[i];
                float vel = step.firstStep() || mu == 0f ? g : mu * velocity[i] + g;
                velocity[i] = vel;
                p[i] -= step.learningRate() * (step.nesterov() ? g + mu * vel : vel);
            }
        });
    }

    static void movingAverage(float[] target, float[] source, float decay) {
        Parallel.forRange(target.length, 2, (from, to) -> {
            for (int i = from; i < to; i++) {
                target[i] = decay * target[i] + (1f - decay) * source[i];
            }
        });
    }
}
