package org.vil4j.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;


import static org.assertj.core.api.Assertions.assertThat;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The mLSTM's forms on OpenCL against the Java oracle's parallel form: lengths that chunks divide and do not, chunks
 * longer than the sequence, one-token chunks, several heads and batches, plain and extreme gates.
 */
class FormsTest extends DeviceWithOracle {
    @ParameterizedTest(name = "B={0} S={1} NH={2} DH={3} chunk={4} igate x{5} fgate {6}")
    @CsvSource({
            "1, 37, 1, 8, 16, 1, 3",
            "2, 64, 4, 8, 16, 1, 3",
            "2, 197, 4, 16, 64, 1, 3",
            "1, 260, 2, 24, 64, 25, -8",
            "2, 130, 3, 8, 1, 1, 3",
            "1, 50, 2, 8, 100, 25, -8",
            "1, 300, 1, 72, 128, 2, 0",
    })
    void chunkwiseAndRecurrentMatchTheParallelOracle(int batch, int len, int heads, int dh, int chunk, float igateScale,
                                           float fgateShift) {
        float[] q = random(1, batch * len * heads * dh, 1), k = random(2, q.length, 1), v = random(3, q.length, 1);
        float[] ig = random(4, batch * len * heads, igateScale), fg = random(5, ig.length, 1);
        for (int i = 0; i < fg.length; i++) {
            fg[i] += fgateShift;
        }
        float[] expected = run(oracle, q, k, v, ig, fg, batch, len, heads, dh, MlstmForm.PARALLEL, 0);
        assertClose(expected, run(device, q, k, v, ig, fg, batch, len, heads, dh, MlstmForm.CHUNKWISE, chunk));
        if (len <= 200) {
            assertClose(expected, run(device, q, k, v, ig, fg, batch, len, heads, dh, MlstmForm.RECURRENT, 0));
        }
    }

    private static void assertClose(float[] expected, float[] actual) {
        double err = 0, max = 0;
        for (int i = 0; i < expected.length; i++) {
            err = Math.max(err, Math.abs(expected[i] - actual[i]));
            max = Math.max(max, Math.abs(expected[i]));
        }
        assertThat(max).isFinite().isPositive();
        assertThat(err / max).as("max error %s of max %s", err, max).isLessThanOrEqualTo(1e-5);
    }

    @Test
    void aChunkOfNoTokensIsAnError() {
        Shape shape = Shape.of(1, 3, 4), gates = Shape.of(1, 3, 1);
        long mark = device.mark();
        Tensor x = device.upload(shape, new float[12]);
        Tensor g = device.upload(gates, new float[3]);
        for (MlstmForm form : MlstmForm.values()) {
            assertThat(device.hasMlstmForm(form)).as(form.id()).isTrue();
        }
        assertThatThrownBy(() -> device.mlstm(x, x, x, g, g, 1, 1e-6f, MlstmForm.CHUNKWISE, 0))
                .hasMessage("mlstm: chunk size 0 must be at least 1");
        device.release(mark);
    }

    private static float[] run(Ops ops, float[] q, float[] k, float[] v, float[] ig, float[] fg, int batch, int len,
                               int heads, int dh, MlstmForm form, int chunk) {
        long mark = ops.mark();
        try {
            Shape s = Shape.of(batch, len, heads * dh), g = Shape.of(batch, len, heads);
            return ops.download(ops.mlstm(ops.upload(s, q), ops.upload(s, k), ops.upload(s, v), ops.upload(g, ig),
                    ops.upload(g, fg), heads, 1e-6f, form, chunk));
        } finally {
            ops.release(mark);
        }
    }
}
