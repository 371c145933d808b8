package org.vil4j.segmentation;

import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.HostTensor;
import org.vil4j.api.IndexTable;
import org.vil4j.api.Ops;
import org.vil4j.api.Resampling;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.autodiff.GradientTape;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The building blocks decoders declare and run: k x k convolutions (stride 1, "same" padding), a channel layer norm
 * (LayerNorm-2d), the conv-norm-SiLU module, bilinear resizing and adaptive average pooling, all on channels-last
 * grids. Declaring records each parameter's shape and how to initialise it; running composes {@link Ops} calls.
 *
 * <p>Normalisation is a per-pixel layer norm over channels, not mmseg's BatchNorm: it needs no running statistics
 * (train and eval compute the same function, nothing extra in checkpoints), does not depend on the batch (our CPU
 * batches are small), and is an op every backend already has, forward and backward. The activation is SiLU, the op
 * set's non-linearity, in place of ReLU.
 */
final class DecoderLayers {
    private enum Init { CONV, CLASSIFIER, ONE, ZERO }

    private final Map<String, Shape> shapes = new LinkedHashMap<>();
    private final Map<String, Init> inits = new LinkedHashMap<>();
    private final Map<String, Integer> fanIn = new LinkedHashMap<>();
    /** Tap tables per backend (persistent; made once per grid and kernel). */
    private final Map<Ops, Map<String, IndexTable>> tables = new IdentityHashMap<>();

    Map<String, Shape> shapes() {
        return java.util.Collections.unmodifiableMap(shapes);
    }

    /** A k x k convolution from {@code in} to {@code out} channels: weight {@code [out, k*k*in]}, bias optional. */
    void declareConv(String name, int in, int out, int k, boolean bias, boolean classifier) {
        put(name + ".weight", Shape.of(out, k * k * in), classifier ? Init.CLASSIFIER : Init.CONV, k * k * in);
        if (bias) {
            put(name + ".bias", Shape.of(out), Init.ZERO, 0);
        }
    }

    /**
     * A transposed convolution with kernel = stride = s (mmseg's Feature2Pyramid upsampling): weight {@code [s*s*out,
     * in]}, rows ordered (dy, dx, c), and bias {@code [s*s*out]} (the per-channel bias repeated is the same function,
     * one more degree of freedom per sub-position).
     */
    void declareDeconv(String name, int in, int out, int s) {
        put(name + ".weight", Shape.of(s * s * out, in), Init.CONV, in);
        put(name + ".bias", Shape.of(s * s * out), Init.ZERO, 0);
    }

    void declareNorm(String name, int channels) {
        put(name + ".weight", Shape.of(channels), Init.ONE, 0);
        put(name + ".bias", Shape.of(channels), Init.ZERO, 0);
    }

    /** mmseg's ConvModule with our norm and activation: conv (no bias), LayerNorm-2d, SiLU. */
    void declareConvModule(String name, int in, int out, int k) {
        declareConv(name + ".conv", in, out, k, false, false);
        declareNorm(name + ".norm", out);
    }

    private void put(String name, Shape shape, Init init, int fan) {
        if (shapes.put(name, shape) != null) {
            throw new IllegalStateException("parameter " + name + " declared twice");
        }
        inits.put(name, init);
        fanIn.put(name, fan);
    }

    /** Kaiming-normal convolutions (the SiLU gain ~ ReLU's), N(0, 0.01) classifiers, norms at 1 and 0. */
    Map<String, HostTensor> initialize(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (var e : shapes.entrySet()) {
            float[] v = new float[e.getValue().size()];
            Init init = inits.get(e.getKey());
            double std = switch (init) {
                case CONV -> Math.sqrt(2.0 / fanIn.get(e.getKey()));
                case CLASSIFIER -> 0.01;
                default -> 0;
            };
            for (int i = 0; i < v.length; i++) {
                v[i] = init == Init.ONE ? 1f : (float) (gaussian(random) * std);
            }
            out.put(e.getKey(), new HostTensor(e.getValue(), v));
        }
        return out;
    }

    /** One declared parameter's fresh values from {@code random} (the Head plugin interface's way). */
    float[] initialValue(String name, SplittableRandom random) {
        Shape shape = shapes.get(name);
        float[] v = new float[shape.size()];
        Init init = inits.get(name);
        double std = init == Init.CONV ? Math.sqrt(2.0 / fanIn.get(name)) : init == Init.CLASSIFIER ? 0.01 : 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = init == Init.ONE ? 1f : (float) (gaussian(random) * std);
        }
        return v;
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = 1.0 - r.nextDouble(), u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    // ---- running ------------------------------------------------------------------------------------------------

    static Tensor param(Map<String, Tensor> params, String name) {
        Tensor t = params.get(name);
        if (t == null) {
            throw new IllegalStateException("decoder parameter " + name + " is missing");
        }
        return t;
    }

    /** A k x k convolution with padding k/2 (odd k: the grid keeps its size). */
    FeatureMap conv(Ops ops, Map<String, Tensor> params, String name, FeatureMap x, int k) {
        Tensor w = param(params, name + ".weight");
        Tensor bias = params.get(name + ".bias");
        if (k == 1) {
            return new FeatureMap(ops.linear(x.tokens(), w, bias), x.height(), x.width());
        }
        IndexTable taps = taps(ops, x.height(), x.width(), k, k / 2);
        return new FeatureMap(ops.conv2d(x.tokens(), taps, w, bias), x.height(), x.width());
    }

    /**
     * Transposed convolution, kernel = stride = s: each token's linear map gives its s x s block of the finer grid
     * (depth-to-space through a gather, whose backward is the inverse permutation).
     */
    FeatureMap deconv(Ops ops, Map<String, Tensor> params, String name, FeatureMap x, int s) {
        Tensor w = param(params, name + ".weight");
        int out = w.shape().dim(0) / (s * s);
        Tensor y = ops.linear(x.tokens(), w, param(params, name + ".bias"));
        int b = y.shape().dim(0), h = x.height(), wd = x.width();
        Tensor rows = ops.reshape(y, Shape.of(b, h * wd * s * s, out));
        IndexTable order = depthToSpace(ops, h, wd, s);
        return new FeatureMap(ops.gatherTokens(rows, order), h * s, wd * s);
    }

    private synchronized IndexTable depthToSpace(Ops ops, int h, int w, int s) {
        String key = "d2s/" + h + "x" + w + "/" + s;
        return tables.computeIfAbsent(ops, o -> new java.util.HashMap<>()).computeIfAbsent(key, k -> {
            int[] data = new int[h * s * w * s];
            for (int y = 0; y < h * s; y++) {
                for (int x = 0; x < w * s; x++) {
                    data[y * w * s + x] = ((y / s) * w + x / s) * s * s + (y % s) * s + x % s;
                }
            }
            return ops.indexTable(data.length, 1, data);
        });
    }

    FeatureMap norm(Ops ops, Map<String, Tensor> params, String name, FeatureMap x) {
        Tensor t = ops.layerNorm(x.tokens(), x.channels(), param(params, name + ".weight"), false,
                param(params, name + ".bias"), 1e-5f);
        return new FeatureMap(t, x.height(), x.width());
    }

    FeatureMap convModule(Ops ops, Map<String, Tensor> params, String name, FeatureMap x, int k) {
        FeatureMap y = norm(ops, params, name + ".norm", conv(ops, params, name + ".conv", x, k));
        return new FeatureMap(ops.silu(y.tokens()), y.height(), y.width());
    }

    /** Bilinear resize to {@code oh x ow} (torch's interpolate; identity when the size is unchanged). */
    static FeatureMap resize(Ops ops, FeatureMap x, int oh, int ow, boolean alignCorners) {
        if (oh == x.height() && ow == x.width()) {
            return x;
        }
        String kind = alignCorners ? "bilinear-aligned" : "bilinear";
        Tensor ry = constant(ops, kind, oh, x.height(), Resampling.bilinear(x.height(), oh, alignCorners));
        Tensor rx = constant(ops, kind, ow, x.width(), Resampling.bilinear(x.width(), ow, alignCorners));
        return new FeatureMap(ops.resample2d(x.tokens(), x.height(), x.width(), ry, rx), oh, ow);
    }

    /** Adaptive average pooling to {@code oh x ow} (torch's adaptive_avg_pool2d). */
    static FeatureMap pool(Ops ops, FeatureMap x, int oh, int ow) {
        Tensor ry = constant(ops, "average", oh, x.height(), Resampling.adaptiveAverage(x.height(), oh));
        Tensor rx = constant(ops, "average", ow, x.width(), Resampling.adaptiveAverage(x.width(), ow));
        return new FeatureMap(ops.resample2d(x.tokens(), x.height(), x.width(), ry, rx), oh, ow);
    }

    /** Channels of several maps of one grid side by side. */
    static FeatureMap concat(Ops ops, java.util.List<FeatureMap> maps) {
        Tensor t = maps.get(0).tokens();
        for (int i = 1; i < maps.size(); i++) {
            t = ops.concatColumns(t, maps.get(i).tokens());
        }
        return new FeatureMap(t, maps.get(0).height(), maps.get(0).width());
    }

    /**
     * A resampling matrix: the backend's persistent copy once {@link #settleConstants} made it, else a workspace
     * upload for this step (a constant the tape does not track, never trained), noted for the next settling. Uploaded
     * at every use, the 15 of an UperNet forward cost 30 uploads a step (`vil bench --task segmentation` counts
     * them); a backend takes persistent tensors only while its workspace is empty, hence the two steps.
     */
    private static Tensor constant(Ops ops, String kind, int rows, int cols, float[] data) {
        Ops base = ops instanceof GradientTape tape ? tape.base() : ops;
        String key = kind + "/" + rows + "x" + cols;
        synchronized (CONSTANTS) {
            Tensor kept = CONSTANTS.computeIfAbsent(base, o -> new java.util.HashMap<>()).get(key);
            if (kept != null) {
                return kept;
            }
            WANTED.computeIfAbsent(base, o -> new LinkedHashMap<>()).put(key, new HostTensor(Shape.of(rows, cols),
                    data));
        }
        return base.upload(Shape.of(rows, cols), data);
    }

    /**
     * Makes the resampling matrices the last steps uploaded persistent on {@code ops}' backend. Call where nothing
     * of the workspace is alive (before a step's or an evaluation's first upload); where something is, they stay
     * uploads and the next call tries again.
     */
    static void settleConstants(Ops ops) {
        Ops base = ops instanceof GradientTape tape ? tape.base() : ops;
        synchronized (CONSTANTS) {
            Map<String, HostTensor> wanted = WANTED.get(base);
            if (wanted == null || wanted.isEmpty()) {
                return;
            }
            Map<String, Tensor> kept = CONSTANTS.computeIfAbsent(base, o -> new java.util.HashMap<>());
            for (var it = wanted.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                try {
                    kept.put(e.getKey(), base.parameter(e.getValue().shape(), e.getValue().data()));
                } catch (IllegalStateException workspaceInUse) {
                    return;
                }
                it.remove();
            }
        }
    }

    /** Resampling matrices per backend, persistent; a closed backend's go with it. */
    private static final Map<Ops, Map<String, Tensor>> CONSTANTS = new java.util.WeakHashMap<>();
    /** Those used as uploads since the last settling. */
    private static final Map<Ops, Map<String, HostTensor>> WANTED = new java.util.WeakHashMap<>();

    private synchronized IndexTable taps(Ops ops, int h, int w, int k, int padding) {
        String key = h + "x" + w + "/" + k + "/" + padding;
        return tables.computeIfAbsent(ops, o -> new java.util.HashMap<>()).computeIfAbsent(key, x -> {
            int[] data = ConvolutionFrames.conv2dTaps(h, w, k, padding);
            return ops.indexTable(data.length, 1, data);
        });
    }
}
