package org.vil4j.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vil4j.api.MlstmGradients;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * withGateInputGradients on the device: the gates' share of dq|dk|dv in one launch, as the composition it replaces
 * (two products, their sum, three column copies and three sums) and as the java oracle, also when the cell's
 * gradients and the gates' are column views of wider tensors (read through their row strides).
 */
class GateInputGradientsTest extends DeviceWithOracle {
    /** dq, dk, dv [B, S, W] and the gates' gradients [B, S, G] of an mLSTM cell, as the given backend holds them. */
    private static MlstmGradients gradients(Ops ops, int b, int s, int w, int g, boolean views, long seed) {
        int rows = b * s;
        if (!views) {
            return new MlstmGradients(ops.upload(Shape.of(b, s, w), random(seed, rows * w, 1)),
                    ops.upload(Shape.of(b, s, w), random(seed + 1, rows * w, 1)),
                    ops.upload(Shape.of(b, s, w), random(seed + 2, rows * w, 1)),
                    ops.upload(Shape.of(b, s, g), random(seed + 3, rows * g, 1)),
                    ops.upload(Shape.of(b, s, g), random(seed + 4, rows * g, 1)));
        }
        // one wide tensor [B, S, 3W + 2G] read through column views, as a fused cell backward may hand them out
        int width = 3 * w + 2 * g;
        Tensor all = ops.upload(Shape.of(b, s, width), random(seed + 5, rows * width, 1));
        return new MlstmGradients(ops.columns(all, 0, w), ops.columns(all, w, w), ops.columns(all, 2 * w, w),
                ops.columns(all, 3 * w, g), ops.columns(all, 3 * w + g, g));
    }

    @ParameterizedTest
    @CsvSource({"1, 1, 1, 1, false", "2, 7, 12, 4, false", "3, 49, 32, 4, true", "1, 5, 8, 2, true"})
    void oneLaunchMatchesTheCompositionAndTheOracle(int b, int s, int w, int g, boolean views) {
        long seed = b * 131L + s * 17L + w;
        float[] wI = random(seed + 7, g * 3 * w, 1), wF = random(seed + 8, g * 3 * w, 1);
        long mark = device.mark(), oracleMark = oracle.mark();
        try {
            MlstmGradients in = gradients(device, b, s, w, g, views, seed);
            Tensor wId = device.upload(Shape.of(g, 3 * w), wI), wFd = device.upload(Shape.of(g, 3 * w), wF);
            long before = device.kernelLaunches();
            MlstmGradients fused = device.withGateInputGradients(in, wId, wFd);
            assertThat(device.kernelLaunches() - before).isEqualTo(1);
            // the composition (Ops' default), on the same device
            MlstmGradients composed = composition(device, in, wId, wFd);
            MlstmGradients java = oracle.withGateInputGradients(gradients(oracle, b, s, w, g, views, seed),
                    oracle.upload(Shape.of(g, 3 * w), wI), oracle.upload(Shape.of(g, 3 * w), wF));
            Tensor[][] triples = {{fused.dq(), composed.dq(), java.dq()}, {fused.dk(), composed.dk(), java.dk()},
                    {fused.dv(), composed.dv(), java.dv()}};
            for (Tensor[] t : triples) {
                assertThat(t[0].shape()).isEqualTo(Shape.of(b, s, w));
                float[] got = device.download(t[0]);
                assertNear(got, device.download(t[1]));
                assertNear(got, oracle.download(t[2]));
            }
            // the gates' own gradients pass through
            assertThat(fused.digate()).isSameAs(in.digate());
            assertThat(fused.dfgate()).isSameAs(in.dfgate());
        } finally {
            device.release(mark);
            oracle.release(oracleMark);
        }
    }

    /** Ops.withGateInputGradients' default body on the device's own ops. */
    private static MlstmGradients composition(Ops ops, MlstmGradients g, Tensor wI, Tensor wF) {
        int width = g.dq().shape().last();
        Shape qkv = g.dq().shape().withLast(3 * width);
        Tensor di = ops.reshape(g.digate(), Shape.of(g.digate().shape().rows(), g.digate().shape().last()));
        Tensor df = ops.reshape(g.dfgate(), Shape.of(g.dfgate().shape().rows(), g.dfgate().shape().last()));
        Tensor dqkv = ops.add(ops.reshape(ops.matmul(di, wI), qkv), ops.reshape(ops.matmul(df, wF), qkv));
        return new MlstmGradients(ops.add(g.dq(), ops.columns(dqkv, 0, width)),
                ops.add(g.dk(), ops.columns(dqkv, width, width)), ops.add(g.dv(), ops.columns(dqkv, 2 * width, width)),
                g.digate(), g.dfgate());
    }

    @Test
    void weightsOfAnotherWidthAreRefused() {
        long mark = device.mark();
        try {
            MlstmGradients in = gradients(device, 1, 3, 4, 2, false, 1);
            Tensor wrong = device.upload(Shape.of(2, 11), new float[22]);
            assertThatThrownBy(() -> device.withGateInputGradients(in, wrong, wrong))
                    .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("withGateInputGradients: ")
                    .hasMessageContaining("wI [2,11]");
        } finally {
            device.release(mark);
        }
    }
}
