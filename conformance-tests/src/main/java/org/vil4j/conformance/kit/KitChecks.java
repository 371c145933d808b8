package org.vil4j.conformance.kit;

import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.autodiff.GradientTape;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

/** What the plugin and backend suites share: seeded inputs, relative comparison, finite-difference gradients. */
final class KitChecks {
    /** Central-difference step and the bound on |analytic - numeric| relative to the input's largest gradient. */
    static final double FD_STEP = 1e-2;
    static final double FD_TOLERANCE = 1e-2;

    private KitChecks() {
    }

    static float[] random(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    /** max |a - b| / max |b|; fails on a non-finite value of a. */
    static double relativeError(String what, float[] a, float[] b) {
        assertThat(a).as("%s: size", what).hasSameSizeAs(b);
        double err = 0, max = 0;
        for (int i = 0; i < a.length; i++) {
            assertThat(Float.isFinite(a[i])).as("%s: element %s is %s", what, i, a[i]).isTrue();
            err = Math.max(err, Math.abs(a[i] - b[i]));
            max = Math.max(max, Math.abs(b[i]));
        }
        return max == 0 ? err : err / max;
    }

    /**
     * The tape's d L / d input for {@code L = sum(f(inputs) * R)} against central differences, for up to
     * {@code samples} elements of each input (all of a small one); every input must receive a gradient.
     */
    static void gradientsMatchFiniteDifferences(Ops ops, String what, List<Shape> shapes, List<float[]> values,
                                                List<String> names, BiFunction<Ops, List<Tensor>, Tensor> f,
                                                int samples, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        GradientTape tape = new GradientTape(ops);
        tape.trackInputs(true);
        List<float[]> analytic = new ArrayList<>();
        float[] weights;
        tape.begin();
        try {
            List<Tensor> leaves = new ArrayList<>();
            for (int i = 0; i < shapes.size(); i++) {
                leaves.add(tape.upload(shapes.get(i), values.get(i)));
            }
            Tensor out = f.apply(tape, leaves);
            weights = random(random, out.shape().size(), 1);
            Map<Tensor, Tensor> grads = tape.backward(out, tape.upload(out.shape(), weights));
            for (int i = 0; i < leaves.size(); i++) {
                Tensor g = grads.get(leaves.get(i));
                assertThat(g).as("%s: no gradient reaches %s", what, names.get(i)).isNotNull();
                analytic.add(tape.download(g));
            }
        } finally {
            tape.end();
        }
        for (int input = 0; input < values.size(); input++) {
            float[] x = values.get(input);
            double maxAnalytic = 0;
            for (float g : analytic.get(input)) {
                maxAnalytic = Math.max(maxAnalytic, Math.abs(g));
            }
            int checks = Math.min(x.length, samples);
            for (int n = 0; n < checks; n++) {
                int i = x.length <= samples ? n : random.nextInt(x.length);
                float original = x[i];
                x[i] = (float) (original + FD_STEP);
                double plus = weighted(ops, shapes, values, f, weights);
                x[i] = (float) (original - FD_STEP);
                double minus = weighted(ops, shapes, values, f, weights);
                x[i] = original;
                double numeric = (plus - minus) / (2 * FD_STEP);
                assertThat(Math.abs(numeric - analytic.get(input)[i]))
                        .as("%s: d/d %s[%d]: analytic %s, numeric %s", what, names.get(input), i,
                                analytic.get(input)[i], numeric)
                        .isLessThanOrEqualTo(FD_TOLERANCE * Math.max(maxAnalytic, 1e-3));
            }
        }
    }

    private static double weighted(Ops ops, List<Shape> shapes, List<float[]> values,
                                   BiFunction<Ops, List<Tensor>, Tensor> f, float[] weights) {
        long mark = ops.mark();
        try {
            List<Tensor> leaves = new ArrayList<>();
            for (int i = 0; i < shapes.size(); i++) {
                leaves.add(ops.upload(shapes.get(i), values.get(i)));
            }
            float[] out = ops.download(f.apply(ops, leaves));
            double sum = 0;
            for (int i = 0; i < out.length; i++) {
                sum += (double) out[i] * weights[i];
            }
            return sum;
        } finally {
            ops.release(mark);
        }
    }
}
