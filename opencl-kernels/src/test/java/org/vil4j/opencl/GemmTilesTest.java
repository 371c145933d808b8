package org.vil4j.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vil4j.api.MlstmGradients;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.backend.java.JavaBackend;

import java.util.SplittableRandom;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Both GEMM tile sizes (64x64, and 128x128 with 8x8 outputs a work-item) forced on every op that runs a GEMM, with
 * each epilogue (bias, mLSTM scores, mLSTM values with a causal left operand, weight-gradient splits), against the
 * Java oracle on shapes that leave tiles partly empty.
 */
class GemmTilesTest {
    static OpenCLOps device;
    static Ops oracle;

    @BeforeAll
    static void open() {
        device = (OpenCLOps) new OpenCLBackend().open(null);
        oracle = new JavaBackend().open(null);
    }

    @AfterAll
    static void close() {
        device.setGemmTiles(0);
        device.close();
        oracle.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 128})
    void linearMatmulAndWeightGradients(int tiles) {
        device.setGemmTiles(tiles);
        same(1e-5, ops -> ops.linear(in(ops, 1, 2, 131, 45), in(ops, 2, 140, 45), in(ops, 3, 140)));
        same(1e-5, ops -> ops.linear(in(ops, 4, 300, 200), in(ops, 5, 7, 200), null));
        same(1e-5, ops -> ops.matmul(in(ops, 1, 3, 17, 29), in(ops, 2, 3, 29, 133)));
        same(1e-5, ops -> ops.linearWeightGradient(in(ops, 6, 700, 37), in(ops, 7, 700, 129)));
        same(1e-5, ops -> ops.headwiseWeightGradient(in(ops, 8, 300, 64), in(ops, 9, 300, 64), 4));
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 128})
    void mlstmForwardAndBackward(int tiles) {
        device.setGemmTiles(tiles);
        for (int length : new int[]{37, 197, 260}) {
            same(2e-5, ops -> mlstm(ops, length));
            same(1e-4, ops -> {
                MlstmGradients g = ops.mlstmBackward(in(ops, 1, 2, length, 32), in(ops, 2, 2, length, 32),
                        in(ops, 3, 2, length, 32), ops.scale(in(ops, 4, 2, length, 4), 2f),
                        in(ops, 5, 2, length, 4), in(ops, 6, 2, length, 32), 4, 1e-6f);
                return ops.concatColumns(ops.concatColumns(g.dq(), g.dk()), g.dv());
            });
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 100})
    void otherTileSizesAreRefused(int tiles) {
        assertThatThrownBy(() -> device.setGemmTiles(tiles)).hasMessageContaining("GEMM tiles " + tiles);
    }

    private static Tensor mlstm(Ops ops, int length) {
        return ops.mlstm(in(ops, 1, 2, length, 32), in(ops, 2, 2, length, 32), in(ops, 3, 2, length, 32),
                ops.scale(in(ops, 4, 2, length, 4), 2f), in(ops, 5, 2, length, 4), 4, 1e-6f);
    }

    private static void same(double tolerance, Function<Ops, Tensor> computation) {
        long dm = device.mark(), om = oracle.mark();
        try {
            float[] d = device.download(computation.apply(device));
            float[] o = oracle.download(computation.apply(oracle));
            assertThat(d).hasSameSizeAs(o);
            double err = 0, max = 0;
            for (int i = 0; i < d.length; i++) {
                err = Math.max(err, Math.abs(d[i] - o[i]));
                max = Math.max(max, Math.abs(o[i]));
            }
            assertThat(max).isFinite().isPositive();
            assertThat(err / max).as("max error %s of max %s", err, max).isLessThanOrEqualTo(tolerance);
        } finally {
            device.release(dm);
            oracle.release(om);
        }
    }

    private static Tensor in(Ops ops, long seed, int... dims) {
        Shape s = Shape.of(dims);
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return ops.upload(s, v);
    }
}
