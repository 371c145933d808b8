package org.vil4j.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.MlstmGradients;
import org.vil4j.api.OpProfile;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.backend.java.JavaBackend;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * The device's chunkwise and recurrent mLSTM backward against the Java backend's (the same values as the parallel
 * backward): odd lengths, lengths chunks do not divide, one-token chunks, chunks longer than the sequence, several
 * heads and batches, large input gates with nearly closed forget gates; that it runs its own passes, not the
 * parallel backward's; and that its memory grows linearly with the sequence.
 */
class ChunkwiseBackwardTest {
    static Ops device;
    static Ops oracle;
    /** Largest relative error seen per gradient, printed at the end (for the design notes). */
    static final Map<String, Double> WORST = new TreeMap<>();
    private static final String[] NAMES = {"dq", "dk", "dv", "digate", "dfgate"};

    @BeforeAll
    static void open() {
        device = new OpenCLBackend().open(null);
        oracle = new JavaBackend().open(null);
    }

    @AfterAll
    static void close() {
        WORST.forEach((k, v) -> System.out.printf("chunkwise backward max relative error %-8s %.3e%n", k, v));
        device.close();
        oracle.close();
    }

    /**
     * Each gradient within {@code tolerance} of its largest magnitude: 1e-4, and the golden 1e-3 where input gates
     * of +-25 leave den_t near the floor (the device's parallel backward is 1e-4 to 2e-4 off there too).
     */
    @ParameterizedTest(name = "B={0} S={1} NH={2} DH={3} chunk={4} igate x{5} fgate {6}")
    @CsvSource({
            "1, 37, 1, 8, 16, 1, 3, 1e-4",
            "2, 64, 4, 8, 16, 1, 3, 1e-4",
            "2, 197, 3, 16, 64, 1, 3, 1e-4",
            "1, 260, 2, 24, 64, 25, -8, 1e-3",
            "2, 33, 2, 8, 1, 1, 3, 1e-4",
            "1, 50, 2, 8, 100, 25, -8, 1e-3",
            "1, 130, 1, 72, 128, 2, 0, 1e-4",
            "2, 70, 2, 8, 7, 3, -3, 1e-4",
            "1, 1, 1, 4, 16, 1, 0, 1e-4",
            "3, 129, 2, 4, 64, 8, -20, 1e-4",
            "1, 300, 2, 8, 16, 1, -6, 1e-4",
    })
    void chunkwiseAndRecurrentBackwardMatchTheJavaBackend(int batch, int len, int heads, int dh, int chunk,
                                                          float igateScale, float fgateShift, double tolerance) {
        float[][] in = inputs(batch, len, heads, dh, igateScale, fgateShift);
        float[][] expected = gradients(oracle, in, batch, len, heads, dh, MlstmForm.PARALLEL, 0);
        assertClose(expected, gradients(device, in, batch, len, heads, dh, MlstmForm.CHUNKWISE, chunk), tolerance);
        if (len <= 200) {
            assertClose(expected, gradients(device, in, batch, len, heads, dh, MlstmForm.RECURRENT, 0), tolerance);
        }
    }

    @Test
    void everyFormHasItsOwnBackwardAndAChunkOfNoTokensIsAnError() {
        for (MlstmForm form : MlstmForm.values()) {
            assertThat(device.hasMlstmBackwardForm(form)).as(form.id()).isTrue();
        }
        long mark = device.mark();
        Tensor x = device.upload(Shape.of(1, 3, 4), new float[12]);
        Tensor g = device.upload(Shape.of(1, 3, 1), new float[3]);
        assertThatThrownBy(() -> device.mlstmBackward(x, x, x, g, g, x, 1, 1e-6f, MlstmForm.CHUNKWISE, 0))
                .hasMessage("mlstmBackward: chunk size 0 must be at least 1");
        device.release(mark);
    }

    @Test
    void theChunkwiseBackwardRunsItsOwnPassesNotTheParallelOnes() {
        float[][] in = inputs(1, 100, 2, 8, 1, 3);
        Map<String, Long> chunkwise = launches(in, MlstmForm.CHUNKWISE, 16);
        Map<String, Long> recurrent = launches(in, MlstmForm.RECURRENT, 0);
        Map<String, Long> parallel = launches(in, MlstmForm.PARALLEL, 0);
        for (Map<String, Long> form : List.of(chunkwise, recurrent)) {
            assertThat(form).containsKeys("mlstm_back_rows", "mlstm_back_states", "mlstm_back_gates",
                    "mlstm_chunk_prep", "gemm/mlstm_chunk_values");
            assertThat(form).doesNotContainKeys("mlstm_backward_rows", "mlstm_row_scan", "mlstm_gate_gradients");
        }
        assertThat(parallel).containsKeys("mlstm_backward_rows").doesNotContainKeys("mlstm_back_rows");
    }

    /** At S = 4096 the parallel backward would need 3 S x S floats a head (192 MiB); the chunkwise one some MiB. */
    @Test
    void memoryStaysLinearInTheSequence() {
        long small = peakBytes(1024);
        long large = peakBytes(4096);
        long square = 4L * 4096 * 4096;
        System.out.printf("chunkwise backward peak device bytes: S=1024 %d, S=4096 %d (one S x S matrix: %d)%n",
                small, large, square);
        assertThat(large).isLessThan(square / 4);
        // four times the tokens, at most a little over four times the memory
        assertThat((double) large / small).isLessThan(4.5);
    }

    private static long peakBytes(int len) {
        Ops fresh = new OpenCLBackend().open(null);
        try {
            float[][] in = inputs(1, len, 2, 16, 2, 4);
            gradients(fresh, in, 1, len, 2, 16, MlstmForm.CHUNKWISE, 64);
            return fresh.peakDeviceBytes();
        } finally {
            fresh.close();
        }
    }

    private static Map<String, Long> launches(float[][] in, MlstmForm form, int chunk) {
        device.setProfiling(true);
        try {
            gradients(device, in, 1, 100, 2, 8, form, chunk);
            Map<String, Long> out = new TreeMap<>();
            for (OpProfile p : device.profile()) {
                out.merge(p.op(), p.launches(), Long::sum);
            }
            return out;
        } finally {
            device.setProfiling(false);
        }
    }

    static float[][] inputs(int batch, int len, int heads, int dh, float igateScale, float fgateShift) {
        int n = batch * len * heads * dh;
        float[] q = random(11, n, 1), k = random(12, n, 1), v = random(13, n, 1), dy = random(14, n, 1);
        float[] ig = random(15, batch * len * heads, igateScale), fg = random(16, ig.length, 1);
        for (int i = 0; i < fg.length; i++) {
            fg[i] += fgateShift;
        }
        return new float[][]{q, k, v, ig, fg, dy};
    }

    static float[][] gradients(Ops ops, float[][] in, int batch, int len, int heads, int dh, MlstmForm form,
                               int chunk) {
        long mark = ops.mark();
        try {
            Shape s = Shape.of(batch, len, heads * dh), g = Shape.of(batch, len, heads);
            MlstmGradients d = ops.mlstmBackward(ops.upload(s, in[0]), ops.upload(s, in[1]), ops.upload(s, in[2]),
                    ops.upload(g, in[3]), ops.upload(g, in[4]), ops.upload(s, in[5]), heads, 1e-6f, form, chunk);
            return new float[][]{ops.download(d.dq()), ops.download(d.dk()), ops.download(d.dv()),
                    ops.download(d.digate()), ops.download(d.dfgate())};
        } finally {
            ops.release(mark);
        }
    }

    private static void assertClose(float[][] expected, float[][] actual, double tolerance) {
        for (int g = 0; g < expected.length; g++) {
            double err = 0, max = 0;
            for (int i = 0; i < expected[g].length; i++) {
                assertThat(Float.isFinite(actual[g][i])).as("%s element %s is %s", NAMES[g], i, actual[g][i])
                        .isTrue();
                err = Math.max(err, Math.abs(expected[g][i] - actual[g][i]));
                max = Math.max(max, Math.abs(expected[g][i]));
            }
            double relative = max == 0 ? err : err / max;
            WORST.merge(NAMES[g], relative, Math::max);
            assertThat(relative).as("%s: max error %s of max %s", NAMES[g], err, max).isLessThanOrEqualTo(tolerance);
        }
    }
}
