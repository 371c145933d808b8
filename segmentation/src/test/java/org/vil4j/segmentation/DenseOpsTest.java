package org.vil4j.segmentation;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.IndexTable;
import org.vil4j.api.Ops;
import org.vil4j.api.Resampling;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.autodiff.GradientTape;
import org.vil4j.conformance.kit.SharedBackends;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dense-prediction ops (k x k convolution with padding, separable resampling: bilinear either way and adaptive
 * average pooling) on both backends: forwards against direct loops written from torch's definitions, gradients
 * against finite differences, and the OpenCL gradients against the Java ones.
 */
class DenseOpsTest {
    private static final Map<Ops, Map<String, IndexTable>> TABLES = new IdentityHashMap<>();

    private static synchronized IndexTable taps(Ops ops, int h, int w, int k, int pad) {
        return TABLES.computeIfAbsent(ops, o -> new HashMap<>()).computeIfAbsent(h + "/" + w + "/" + k + "/" + pad,
                key -> {
                    int[] t = ConvolutionFrames.conv2dTaps(h, w, k, pad);
                    return ops.indexTable(t.length, 1, t);
                });
    }

    private static Tensor constant(Ops ops, int rows, int cols, float[] data) {
        return (ops instanceof GradientTape t ? t.base() : ops).upload(Shape.of(rows, cols), data);
    }

    /** conv 3x3, padding 1, on a 4x5 grid, 3 -> 2 channels, batch 2; inputs x, w, bias. */
    private static final List<Shape> CONV = List.of(Shape.of(2, 20, 3), Shape.of(2, 27), Shape.of(2));

    private static BiFunction<Ops, List<Tensor>, Tensor> conv(int h, int w, int k, int pad) {
        return (o, t) -> o.conv2d(t.get(0), taps(o, h, w, k, pad), t.get(1), t.get(2));
    }

    private static BiFunction<Ops, List<Tensor>, Tensor> bilinear(int h, int w, int oh, int ow, boolean align) {
        return (o, t) -> o.resample2d(t.get(0), h, w, constant(o, oh, h, Resampling.bilinear(h, oh, align)),
                constant(o, ow, w, Resampling.bilinear(w, ow, align)));
    }

    private static BiFunction<Ops, List<Tensor>, Tensor> pool(int h, int w, int oh, int ow) {
        return (o, t) -> o.resample2d(t.get(0), h, w, constant(o, oh, h, Resampling.adaptiveAverage(h, oh)),
                constant(o, ow, w, Resampling.adaptiveAverage(w, ow)));
    }

    private static float[] run(Ops ops, List<Shape> shapes, List<float[]> values,
                               BiFunction<Ops, List<Tensor>, Tensor> op) {
        long mark = ops.mark();
        try {
            List<Tensor> in = new java.util.ArrayList<>();
            for (int i = 0; i < shapes.size(); i++) {
                in.add(ops.upload(shapes.get(i), values.get(i)));
            }
            return ops.download(op.apply(ops, in));
        } finally {
            ops.release(mark);
        }
    }

    // ---- oracles written from the definitions --------------------------------------------------------------

    private static float[] convOracle(float[] x, float[] w, float[] bias, int b, int h, int wd, int c, int m, int k,
                                      int pad) {
        int oh = h + 2 * pad - k + 1, ow = wd + 2 * pad - k + 1;
        float[] out = new float[b * oh * ow * m];
        for (int n = 0; n < b; n++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    for (int o = 0; o < m; o++) {
                        double s = bias[o];
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                int y = oy + ky - pad, xx = ox + kx - pad;
                                if (y < 0 || y >= h || xx < 0 || xx >= wd) {
                                    continue;
                                }
                                for (int ci = 0; ci < c; ci++) {
                                    s += (double) w[o * k * k * c + (ky * k + kx) * c + ci]
                                            * x[((n * h + y) * wd + xx) * c + ci];
                                }
                            }
                        }
                        out[((n * oh + oy) * ow + ox) * m + o] = (float) s;
                    }
                }
            }
        }
        return out;
    }

    /** torch's upsample_bilinear2d per output pixel (area_pixel_compute_source_index and the 4-tap blend). */
    private static float[] bilinearOracle(float[] x, int b, int h, int w, int c, int oh, int ow, boolean align) {
        float[] out = new float[b * oh * ow * c];
        for (int n = 0; n < b; n++) {
            for (int oy = 0; oy < oh; oy++) {
                double sy = source(oy, h, oh, align);
                int y0 = (int) sy, y1 = y0 < h - 1 ? y0 + 1 : y0;
                double ly = sy - y0;
                for (int ox = 0; ox < ow; ox++) {
                    double sx = source(ox, w, ow, align);
                    int x0 = (int) sx, x1 = x0 < w - 1 ? x0 + 1 : x0;
                    double lx = sx - x0;
                    for (int ci = 0; ci < c; ci++) {
                        double v = (1 - ly) * ((1 - lx) * at(x, n, y0, x0, ci, h, w, c) + lx * at(x, n, y0, x1, ci, h, w, c))
                                + ly * ((1 - lx) * at(x, n, y1, x0, ci, h, w, c) + lx * at(x, n, y1, x1, ci, h, w, c));
                        out[((n * oh + oy) * ow + ox) * c + ci] = (float) v;
                    }
                }
            }
        }
        return out;
    }

    private static double source(int o, int in, int out, boolean align) {
        if (align) {
            return out > 1 ? (double) (in - 1) / (out - 1) * o : 0;
        }
        double s = (double) in / out * (o + 0.5) - 0.5;
        return s < 0 ? 0 : s;
    }

    private static double at(float[] x, int n, int y, int xx, int ci, int h, int w, int c) {
        return x[((n * h + y) * w + xx) * c + ci];
    }

    private static float[] poolOracle(float[] x, int b, int h, int w, int c, int oh, int ow) {
        float[] out = new float[b * oh * ow * c];
        for (int n = 0; n < b; n++) {
            for (int oy = 0; oy < oh; oy++) {
                int y0 = Math.floorDiv(oy * h, oh), y1 = -Math.floorDiv(-(oy + 1) * h, oh);
                for (int ox = 0; ox < ow; ox++) {
                    int x0 = Math.floorDiv(ox * w, ow), x1 = -Math.floorDiv(-(ox + 1) * w, ow);
                    for (int ci = 0; ci < c; ci++) {
                        double s = 0;
                        for (int y = y0; y < y1; y++) {
                            for (int xx = x0; xx < x1; xx++) {
                                s += at(x, n, y, xx, ci, h, w, c);
                            }
                        }
                        out[((n * oh + oy) * ow + ox) * c + ci] = (float) (s / ((y1 - y0) * (x1 - x0)));
                    }
                }
            }
        }
        return out;
    }

    // ---- forwards -------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"java", "opencl"})
    void convolutionMatchesDirectLoops(String backend) {
        Ops ops = SharedBackends.ops(backend);
        for (int[] c : new int[][]{{4, 5, 3, 1}, {4, 5, 1, 0}, {5, 3, 5, 2}, {4, 4, 3, 0}}) {
            int h = c[0], w = c[1], k = c[2], pad = c[3];
            List<Shape> shapes = List.of(Shape.of(2, h * w, 3), Shape.of(4, k * k * 3), Shape.of(4));
            List<float[]> v = GradCheck.randomInputs(shapes, h * 31 + k);
            float[] got = run(ops, shapes, v, conv(h, w, k, pad));
            float[] want = convOracle(v.get(0), v.get(1), v.get(2), 2, h, w, 3, 4, k, pad);
            assertThat(GradCheck.relativeError(got, want)).as("conv %dx%d k%d pad %d on %s", h, w, k, pad, backend)
                    .isLessThanOrEqualTo(1e-4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "opencl"})
    void bilinearResizeMatchesTorchEitherWay(String backend) {
        Ops ops = SharedBackends.ops(backend);
        for (boolean align : new boolean[]{false, true}) {
            for (int[] c : new int[][]{{3, 4, 7, 9}, {4, 4, 8, 8}, {6, 5, 3, 2}, {1, 3, 4, 1}, {2, 2, 16, 5}}) {
                int h = c[0], w = c[1], oh = c[2], ow = c[3];
                List<Shape> shapes = List.of(Shape.of(2, h * w, 3));
                List<float[]> v = GradCheck.randomInputs(shapes, h * 7 + ow);
                float[] got = run(ops, shapes, v, bilinear(h, w, oh, ow, align));
                float[] want = bilinearOracle(v.get(0), 2, h, w, 3, oh, ow, align);
                assertThat(GradCheck.relativeError(got, want)).as("%dx%d -> %dx%d align_corners=%s on %s", h, w, oh,
                        ow, align, backend).isLessThanOrEqualTo(1e-4);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "opencl"})
    void adaptiveAveragePoolingMatchesTorch(String backend) {
        Ops ops = SharedBackends.ops(backend);
        for (int[] c : new int[][]{{6, 6, 1, 1}, {6, 6, 2, 3}, {5, 7, 3, 3}, {4, 4, 6, 6}, {7, 5, 2, 4}}) {
            int h = c[0], w = c[1], oh = c[2], ow = c[3];
            List<Shape> shapes = List.of(Shape.of(2, h * w, 3));
            List<float[]> v = GradCheck.randomInputs(shapes, h * 5 + oh);
            float[] got = run(ops, shapes, v, pool(h, w, oh, ow));
            float[] want = poolOracle(v.get(0), 2, h, w, 3, oh, ow);
            assertThat(GradCheck.relativeError(got, want)).as("pool %dx%d -> %dx%d on %s", h, w, oh, ow, backend)
                    .isLessThanOrEqualTo(1e-4);
        }
    }

    /**
     * The backward's map is the forward's transpose: {@code <resample(x), y> = <x, resampleTransposed(y)>} for any x
     * and y, bilinear (either way) and pooling; on OpenCL one launch each, reading the factors by column.
     */
    @ParameterizedTest
    @ValueSource(strings = {"java", "opencl"})
    void theTransposedResamplingIsTheAdjoint(String backend) {
        Ops ops = SharedBackends.ops(backend);
        int[][] cases = {{3, 4, 7, 9, 0}, {4, 4, 8, 8, 1}, {6, 5, 3, 2, 0}, {6, 6, 2, 3, 2}, {5, 7, 3, 3, 2}};
        for (int[] c : cases) {
            int h = c[0], w = c[1], oh = c[2], ow = c[3], kind = c[4];
            float[] ry = kind == 2 ? Resampling.adaptiveAverage(h, oh) : Resampling.bilinear(h, oh, kind == 1);
            float[] rx = kind == 2 ? Resampling.adaptiveAverage(w, ow) : Resampling.bilinear(w, ow, kind == 1);
            List<float[]> v = GradCheck.randomInputs(List.of(Shape.of(2, h * w, 3), Shape.of(2, oh * ow, 3)),
                    h * 11 + ow);
            long mark = ops.mark();
            try {
                Tensor fy = ops.upload(Shape.of(oh, h), ry), fx = ops.upload(Shape.of(ow, w), rx);
                float[] forward = ops.download(ops.resample2d(ops.upload(Shape.of(2, h * w, 3), v.get(0)), h, w, fy,
                        fx));
                float[] back = ops.download(ops.resample2dTransposed(ops.upload(Shape.of(2, oh * ow, 3), v.get(1)),
                        fy, fx));
                assertThat(back).hasSize(2 * h * w * 3);
                double left = 0, right = 0, scale = 0;
                for (int i = 0; i < forward.length; i++) {
                    left += (double) forward[i] * v.get(1)[i];
                    scale += Math.abs((double) forward[i] * v.get(1)[i]);
                }
                for (int i = 0; i < back.length; i++) {
                    right += (double) back[i] * v.get(0)[i];
                }
                assertThat(Math.abs(left - right)).as("%dx%d <-> %dx%d (%d) on %s", h, w, oh, ow, kind, backend)
                        .isLessThanOrEqualTo(1e-4 * Math.max(1, scale));
            } finally {
                ops.release(mark);
            }
        }
    }

    @Test
    void resamplingRowsAreWeightsThatSumToOne() {
        for (boolean align : new boolean[]{false, true}) {
            float[] m = Resampling.bilinear(5, 12, align);
            for (int o = 0; o < 12; o++) {
                double s = 0;
                for (int i = 0; i < 5; i++) {
                    assertThat(m[o * 5 + i]).isGreaterThanOrEqualTo(0f);
                    s += m[o * 5 + i];
                }
                assertThat(s).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
            }
            // align_corners=true keeps the ends exactly
            if (align) {
                assertThat(m[0]).isEqualTo(1f);
                assertThat(m[11 * 5 + 4]).isEqualTo(1f);
            }
        }
    }

    // ---- gradients ------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"java", "opencl"})
    void gradientsMatchFiniteDifferences(String backend) {
        Ops ops = SharedBackends.ops(backend);
        GradCheck.check(ops, "conv2d 3x3 pad 1", CONV, conv(4, 5, 3, 1), 40);
        GradCheck.check(ops, "conv2d 3x3 pad 0", List.of(Shape.of(1, 16, 2), Shape.of(3, 18), Shape.of(3)),
                conv(4, 4, 3, 0), 40);
        GradCheck.check(ops, "bilinear up", List.of(Shape.of(2, 12, 3)), bilinear(3, 4, 7, 9, false), 40);
        GradCheck.check(ops, "bilinear up aligned", List.of(Shape.of(2, 12, 3)), bilinear(3, 4, 7, 9, true), 40);
        GradCheck.check(ops, "bilinear down", List.of(Shape.of(1, 42, 2)), bilinear(6, 7, 4, 3, false), 40);
        GradCheck.check(ops, "adaptive pool", List.of(Shape.of(2, 30, 3)), pool(5, 6, 3, 2), 40);
    }

    @Test
    void openclGradientsMatchJava() {
        GradientTape java = new GradientTape(SharedBackends.ops("java"));
        GradientTape opencl = new GradientTape(SharedBackends.ops("opencl"));
        List<Case> cases = List.of(new Case(CONV, conv(4, 5, 3, 1)),
                new Case(List.of(Shape.of(2, 12, 5)), bilinear(3, 4, 7, 9, false)),
                new Case(List.of(Shape.of(2, 12, 5)), bilinear(3, 4, 7, 9, true)),
                new Case(List.of(Shape.of(2, 30, 5)), pool(5, 6, 6, 1)));
        for (Case c : cases) {
            List<float[]> v = GradCheck.randomInputs(c.shapes, 3);
            GradCheck.Result j = GradCheck.analytic(java, c.shapes, v, null, c.op);
            float[] r = GradCheck.randomInputs(List.of(Shape.of(j.output().length)), 4).get(0);
            j = GradCheck.analytic(java, c.shapes, v, r, c.op);
            GradCheck.Result o = GradCheck.analytic(opencl, c.shapes, v, r, c.op);
            assertThat(GradCheck.relativeError(o.output(), j.output())).isLessThanOrEqualTo(1e-4);
            for (int i = 0; i < c.shapes.size(); i++) {
                assertThat(GradCheck.relativeError(o.gradients().get(i), j.gradients().get(i)))
                        .as("input %d of %s", i, c.shapes).isLessThanOrEqualTo(1e-3);
            }
        }
    }

    private record Case(List<Shape> shapes, BiFunction<Ops, List<Tensor>, Tensor> op) {
    }
}
