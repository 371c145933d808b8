package org.vil4j.conformance.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.MlstmGradients;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.conformance.GoldenCase;

/**
 * The golden mLSTM cells' backward in the chunkwise and recurrent forms on OpenCL (the device's own linear-memory
 * passes) against the Java backend's parallel backward (torch autograd of {@code parallel_stabilized_simple}, checked
 * by {@link FiniteDifferenceTest} and the golden gradients): the cells carry no gradients of their own, so the upstream
 * gradient is a fixed random one. Every gradient within 1e-3 of its largest magnitude, the golden tolerance.
 */
class MlstmCellBackwardFormsTest {
    private static final String[] NAMES = {"dq", "dk", "dv", "digate", "dfgate"};

    static Stream<Arguments> cases() {
        List<String> names = Backends.caseNames().stream().filter(n -> n.startsWith("mlstm-cell")).toList();
        assertThat(names).contains("mlstm-cell-long-4096", "mlstm-cell-extreme-gates");
        List<Arguments> cases = new ArrayList<>();
        for (String name : names) {
            cases.add(Arguments.of(name, MlstmForm.CHUNKWISE, 64));
            cases.add(Arguments.of(name, MlstmForm.CHUNKWISE, 7));
            cases.add(Arguments.of(name, MlstmForm.RECURRENT, 1));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} on opencl")
    @MethodSource("cases")
    void deviceFormsMatchTheParallelBackward(String caseName, MlstmForm form, int chunk) {
        Ops device = Backends.ops("opencl");
        Ops oracle = Backends.ops("java");
        assertThat(device.hasMlstmBackwardForm(form)).isTrue();
        GoldenCase golden = Backends.golden(caseName);
        float[][] expected = gradients(oracle, golden, MlstmForm.PARALLEL, 0);
        float[][] actual = gradients(device, golden, form, chunk);
        for (int g = 0; g < NAMES.length; g++) {
            double err = 0, max = 0;
            for (int i = 0; i < expected[g].length; i++) {
                err = Math.max(err, Math.abs(expected[g][i] - actual[g][i]));
                max = Math.max(max, Math.abs(expected[g][i]));
            }
            double relative = err / max;
            System.out.printf("%s %s %d %s: max relative error %.2e%n", caseName, form.id(), chunk, NAMES[g],
                    relative);
            assertThat(relative).as("%s: %s of max %s", NAMES[g], err, max).isLessThanOrEqualTo(1e-3);
        }
    }

    private static float[][] gradients(Ops ops, GoldenCase golden, MlstmForm form, int chunk) {
        Shape qs = golden.shape("q");
        int b = qs.dim(0), nh = qs.dim(1), s = qs.dim(2), dh = qs.dim(3);
        Shape x = Shape.of(b, s, nh * dh), g = Shape.of(b, s, nh);
        float[] dy = new float[b * s * nh * dh];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < dy.length; i++) {
            dy[i] = (float) (r.nextDouble() * 2 - 1);
        }
        long mark = ops.mark();
        try {
            MlstmGradients d = ops.mlstmBackward(
                    ops.upload(x, headsLast(golden.host("q").data(), b, nh, s, dh)),
                    ops.upload(x, headsLast(golden.host("k").data(), b, nh, s, dh)),
                    ops.upload(x, headsLast(golden.host("v").data(), b, nh, s, dh)),
                    ops.upload(g, headsLast(golden.host("igate_preact").data(), b, nh, s, 1)),
                    ops.upload(g, headsLast(golden.host("fgate_preact").data(), b, nh, s, 1)),
                    ops.upload(x, dy), nh, (float) golden.eps(), form, chunk);
            Tensor[] all = {d.dq(), d.dk(), d.dv(), d.digate(), d.dfgate()};
            float[][] out = new float[all.length][];
            for (int i = 0; i < all.length; i++) {
                out[i] = ops.download(all[i]);
            }
            return out;
        } finally {
            ops.release(mark);
        }
    }

    /** [B, NH, S, D] to [B, S, NH*D]. */
    private static float[] headsLast(float[] x, int b, int nh, int s, int d) {
        float[] out = new float[x.length];
        for (int i = 0; i < b; i++) {
            for (int h = 0; h < nh; h++) {
                for (int t = 0; t < s; t++) {
                    System.arraycopy(x, ((i * nh + h) * s + t) * d, out, ((i * s + t) * nh + h) * d, d);
                }
            }
        }
        return out;
    }
}
