package org.vil4j.segmentation;

import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.autodiff.GradientTape;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Central finite differences against the tape, as FiniteDifferenceTest (conformance-tests) does: with {@code L =
 * sum(out * R)} for a fixed random R, d L / d input from the tape must match {@code (L(x + h) - L(x - h)) / 2h} for
 * sampled elements of every input, within 1e-2 of the input's largest analytic gradient.
 */
final class GradCheck {
    static final double H = 1e-2;
    static final double TOLERANCE = 1e-2;

    private GradCheck() {
    }

    /** The analytic gradients of every input on {@code ops}, and the forward's output (host copies). */
    record Result(float[] output, List<float[]> gradients) {
    }

    static List<float[]> randomInputs(List<Shape> shapes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<float[]> values = new ArrayList<>();
        for (Shape s : shapes) {
            float[] v = new float[s.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (random.nextDouble() * 2 - 1);
            }
            values.add(v);
        }
        return values;
    }

    static Result analytic(GradientTape tape, List<Shape> shapes, List<float[]> values, float[] r,
                           BiFunction<Ops, List<Tensor>, Tensor> op) {
        tape.trackInputs(true);
        tape.begin();
        try {
            List<Tensor> leaves = new ArrayList<>();
            for (int i = 0; i < shapes.size(); i++) {
                leaves.add(tape.upload(shapes.get(i), values.get(i)));
            }
            Tensor out = op.apply(tape, leaves);
            float[] output = tape.download(out);
            if (r == null) {
                return new Result(output, List.of()); // the output alone (its size sizes the seed)
            }
            var grads = tape.backward(out, tape.base().upload(out.shape(), r));
            List<float[]> g = new ArrayList<>();
            for (int i = 0; i < leaves.size(); i++) {
                Tensor d = grads.get(leaves.get(i));
                g.add(d == null ? new float[shapes.get(i).size()] : tape.download(d));
            }
            return new Result(output, g);
        } finally {
            tape.end();
        }
    }

    static double loss(GradientTape tape, List<Shape> shapes, List<float[]> values, float[] r,
                       BiFunction<Ops, List<Tensor>, Tensor> op) {
        long mark = tape.mark();
        try {
            List<Tensor> leaves = new ArrayList<>();
            for (int i = 0; i < shapes.size(); i++) {
                leaves.add(tape.upload(shapes.get(i), values.get(i)));
            }
            float[] out = tape.download(op.apply(tape, leaves));
            double l = 0;
            for (int i = 0; i < out.length; i++) {
                l += (double) out[i] * r[i];
            }
            return l;
        } finally {
            tape.release(mark);
        }
    }

    /** Checks every input's gradient at up to {@code samples} elements against central differences. */
    static void check(Ops backend, String name, List<Shape> shapes, BiFunction<Ops, List<Tensor>, Tensor> op,
                      int samples) {
        check(backend, name, shapes, op, samples, i -> true);
    }

    /** The same for the inputs {@code which} accepts (the others' gradients are still computed). */
    static void check(Ops backend, String name, List<Shape> shapes, BiFunction<Ops, List<Tensor>, Tensor> op,
                      int samples, java.util.function.IntPredicate which) {
        GradientTape tape = new GradientTape(backend);
        List<float[]> values = randomInputs(shapes, name.hashCode());
        Shape outShape;
        {
            tape.begin();
            try {
                List<Tensor> leaves = new ArrayList<>();
                for (int i = 0; i < shapes.size(); i++) {
                    leaves.add(tape.upload(shapes.get(i), values.get(i)));
                }
                outShape = op.apply(tape, leaves).shape();
            } finally {
                tape.end();
            }
        }
        float[] r = randomInputs(List.of(outShape), name.hashCode() + 1L).get(0);
        Result a = analytic(tape, shapes, values, r, op);
        SplittableRandom pick = new SplittableRandom(7);
        for (int in = 0; in < shapes.size(); in++) {
            if (!which.test(in)) {
                continue;
            }
            float[] g = a.gradients().get(in);
            double max = 0;
            for (float v : g) {
                max = Math.max(max, Math.abs(v));
            }
            assertThat(max).as("%s: input %d has a gradient", name, in).isGreaterThan(0);
            int n = g.length;
            for (int s = 0; s < Math.min(samples, n); s++) {
                int e = samples >= n ? s : pick.nextInt(n);
                float[] v = values.get(in);
                float old = v[e];
                v[e] = (float) (old + H);
                double plus = loss(tape, shapes, values, r, op);
                v[e] = (float) (old - H);
                double minus = loss(tape, shapes, values, r, op);
                v[e] = old;
                double numeric = (plus - minus) / (2 * H);
                assertThat(Math.abs(numeric - g[e]) / max).as("%s on %s: d/d input %d element %d: tape %s, "
                        + "finite differences %s", name, backend.backendName(), in, e, g[e], numeric)
                        .isLessThanOrEqualTo(TOLERANCE);
            }
        }
    }

    /** max |a - b| / max |b|. */
    static double relativeError(float[] a, float[] b) {
        assertThat(a.length).isEqualTo(b.length);
        double max = 0, diff = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(b[i]));
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        return max == 0 ? diff : diff / max;
    }
}
