package org.vil4j.backend.java;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vil4j.backend.java.TestData.random;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.MlstmGradients;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

/**
 * The chunkwise and recurrent backward (linear memory) against central finite differences of the double reference
 * ({@link MlstmTest#reference}) and against the parallel backward, on ordinary gates, strongly closed forget gates
 * with large input gates, and very negative input gates (where the floor exp(-m) sets the normaliser, so the
 * gradient through m matters).
 */
class MlstmFormBackwardTest {
    private final Ops ops = new JavaBackend().open("cpu");

    @AfterEach
    void close() {
        ops.close();
    }

    /** Inputs of one cell: q, k, v, igate, fgate and an output gradient, with their sizes. */
    private record Cell(int batch, int seq, int heads, int headDim, float[][] inputs, float[] dh) {
        static Cell random(int batch, int seq, int heads, int headDim, float igateScale, float igateShift,
                           float fgateShift, long seed) {
            int features = heads * headDim;
            int n = batch * seq * features;
            int g = batch * seq * heads;
            float[][] inputs = {TestData.random(seed, n, 1), TestData.random(seed + 1, n, 1),
                    TestData.random(seed + 2, n, 1),
                    TestData.shifted(TestData.random(seed + 3, g, igateScale), igateShift),
                    TestData.shifted(TestData.random(seed + 4, g, 1), fgateShift)};
            return new Cell(batch, seq, heads, headDim, inputs, TestData.random(seed + 5, n, 1));
        }

        Shape shape() {
            return Shape.of(batch, seq, heads * headDim);
        }

        Shape gates() {
            return Shape.of(batch, seq, heads);
        }

        /** The five gradients from {@code ops}' backward in {@code form}, as host arrays. */
        float[][] gradients(Ops ops, MlstmForm form, int chunk) {
            Tensor[] t = new Tensor[5];
            for (int i = 0; i < 5; i++) {
                t[i] = ops.upload(i < 3 ? shape() : gates(), inputs[i]);
            }
            Tensor dy = ops.upload(shape(), dh);
            MlstmGradients g = ops.mlstmBackward(t[0], t[1], t[2], t[3], t[4], dy, heads, 1e-6f, form, chunk);
            return new float[][] {ops.download(g.dq()), ops.download(g.dk()), ops.download(g.dv()),
                    ops.download(g.digate()), ops.download(g.dfgate())};
        }

        /** d (sum dh * h) / d every input by central differences of the double reference. */
        double[][] finiteDifferences() {
            double[][] result = new double[5][];
            for (int i = 0; i < 5; i++) {
                float[] x = inputs[i];
                result[i] = new double[x.length];
                for (int j = 0; j < x.length; j++) {
                    float saved = x[j];
                    float step = 1e-4f * Math.max(1f, Math.abs(saved));
                    x[j] = saved + step;
                    double up = loss();
                    double upStep = x[j] - saved;
                    x[j] = saved - step;
                    double down = loss();
                    double downStep = saved - x[j];
                    x[j] = saved;
                    result[i][j] = (up - down) / (upStep + downStep);
                }
            }
            return result;
        }

        private double loss() {
            double[] h = MlstmTest.reference(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], batch, seq, heads,
                    headDim, 1e-6);
            double sum = 0;
            for (int i = 0; i < h.length; i++) {
                sum += dh[i] * h[i];
            }
            return sum;
        }
    }

    private static final String[] NAMES = {"dq", "dk", "dv", "digate", "dfgate"};

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String kind : new String[] {"ordinary", "closed forget gates", "floor"}) {
            cases.add(Arguments.of(kind, MlstmForm.RECURRENT, 0));
            for (int chunk : new int[] {1, 4, 5, 64}) {
                cases.add(Arguments.of(kind, MlstmForm.CHUNKWISE, chunk));
            }
        }
        return cases.stream();
    }

    private static Cell cell(String kind) {
        return switch (kind) {
            case "ordinary" -> Cell.random(2, 13, 2, 4, 1f, 0f, 3f, 71);
            case "closed forget gates" -> Cell.random(1, 17, 2, 3, 6f, 2f, -6f, 72);
            // input gates near -12: |n_t| < exp(-m_t) in most rows
            case "floor" -> Cell.random(1, 11, 2, 4, 0.5f, -12f, 2f, 73);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @ParameterizedTest(name = "{0}: {1} chunk {2}")
    @MethodSource("cases")
    void matchesFiniteDifferencesAndTheParallelBackward(String kind, MlstmForm form, int chunk) {
        Cell cell = cell(kind);
        float[][] actual = cell.gradients(ops, form, chunk);
        float[][] parallel = cell.gradients(ops, MlstmForm.PARALLEL, 0);
        double[][] numeric = cell.finiteDifferences();
        for (int i = 0; i < 5; i++) {
            double scale = maxAbs(numeric[i]);
            assertThat(scale).as(NAMES[i] + " is not all zero").isGreaterThan(1e-6);
            double toNumeric = maxDiff(actual[i], numeric[i]) / scale;
            double toParallel = maxDiff(actual[i], toDouble(parallel[i])) / scale;
            System.out.printf("mlstm backward %s %s chunk %d %s: %.2e of max against finite differences, %.2e against"
                    + " the parallel backward%n", kind, form.id(), chunk, NAMES[i], toNumeric, toParallel);
            assertThat(toNumeric).as("%s %s against finite differences", kind, NAMES[i]).isLessThanOrEqualTo(1e-3);
            assertThat(toParallel).as("%s %s against the parallel backward", kind, NAMES[i])
                    .isLessThanOrEqualTo(1e-5);
        }
    }

    /** Several batch x head tasks, a sequence of 300 in chunks that do not divide it. */
    @Test
    void longerSequencesMatchTheParallelBackward() {
        Cell cell = Cell.random(2, 300, 3, 8, 2f, 0f, 3f, 74);
        float[][] parallel = cell.gradients(ops, MlstmForm.PARALLEL, 0);
        for (int chunk : new int[] {16, 64, 128}) {
            float[][] chunkwise = cell.gradients(ops, MlstmForm.CHUNKWISE, chunk);
            for (int i = 0; i < 5; i++) {
                double error = maxDiff(chunkwise[i], toDouble(parallel[i])) / maxAbs(toDouble(parallel[i]));
                assertThat(error).as("chunk %d %s", chunk, NAMES[i]).isLessThanOrEqualTo(1e-5);
            }
        }
    }

    @Test
    void refusesAChunkBelowOne() {
        Cell cell = Cell.random(1, 3, 1, 2, 1f, 0f, 3f, 75);
        assertThatThrownBy(() -> cell.gradients(ops, MlstmForm.CHUNKWISE, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunk size 0");
    }

    @Test
    void theJavaBackendHasEveryBackwardForm() {
        for (MlstmForm form : MlstmForm.values()) {
            assertThat(ops.hasMlstmBackwardForm(form)).as(form.id()).isTrue();
        }
    }

    static double maxAbs(double[] x) {
        double max = 0;
        for (double value : x) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }

    static double maxDiff(float[] a, double[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static double[] toDouble(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }
}
