package org.vil4j.conformance;

import org.vil4j.api.Backbone;
import org.vil4j.api.BackboneModel;
import org.vil4j.api.HostTensor;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.api.autodiff.CrossEntropy;
import org.vil4j.api.autodiff.GradientTape;
import org.vil4j.vil.MlstmMixer;
import org.vil4j.vil.VisionLstm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs a golden case on one backend and compares every expected tensor it holds. */
public final class GoldenRunner {
    /** Bounds from shared/conformance/README.md: relative to the tensor's largest magnitude. */
    public static final double FORWARD_TOLERANCE = 1e-4;
    public static final double GRADIENT_TOLERANCE = 1e-3;

    private final Plugins plugins;
    /** The mLSTM form forced on every case, or null for the mixer's own choice (auto). */
    private final MlstmForm form;
    private final int chunkSize;

    public GoldenRunner(Plugins plugins) {
        this(plugins, null, MlstmMixer.DEFAULT_CHUNK);
    }

    private GoldenRunner(Plugins plugins, MlstmForm form, int chunkSize) {
        this.plugins = plugins;
        this.form = form;
        this.chunkSize = chunkSize;
    }

    /**
     * This runner with the mLSTM computed in {@code form} (null: auto) and chunks of {@code chunkSize} tokens, in
     * every model case (forward and backward) and every mLSTM cell case.
     */
    public GoldenRunner withMlstmForm(MlstmForm form, int chunkSize) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size " + chunkSize + " must be at least 1");
        }
        return new GoldenRunner(plugins, form, chunkSize);
    }

    /**
     * Forward comparisons of a case.
     *
     * @param weights weights to use instead of the case's {@code param.*}, or null
     */
    public List<TensorComparison> forward(GoldenCase golden, Ops ops, Map<String, HostTensor> weights) {
        if (golden.isModelCase()) {
            return model(golden, ops, weights == null ? golden.parameters() : weights,
                    weights == null ? golden.file().toString() : "the --weights file");
        }
        if ("parallel_stabilized_simple".equals(golden.function())) {
            return List.of(mlstmCell(golden, ops));
        }
        throw new Vil4jException("golden case " + golden.name() + ": neither a model (ctor) nor a known function ("
                + golden.function() + ")");
    }

    private List<TensorComparison> model(GoldenCase golden, Ops ops, Map<String, HostTensor> weights,
                                         String source) {
        Model model = build(golden, ops, weights, source);
        HostTensor input = golden.host("input");
        Map<String, float[]> computed = new LinkedHashMap<>();
        long mark = ops.mark();
        try {
            Tensor x = ops.upload(input.shape(), input.data());
            Tensor out = model.forward(x, (name, t) -> {
                if (golden.tensors().contains("act." + name)) {
                    computed.put("act." + name, ops.download(t));
                }
            });
            computed.put("output", ops.download(out));
        } finally {
            ops.release(mark);
        }
        List<TensorComparison> results = new ArrayList<>();
        for (String name : golden.expectedForward()) {
            float[] actual = computed.get(name);
            if (actual == null) {
                throw new Vil4jException("golden case " + golden.name() + ": the model produced no " + name);
            }
            results.add(TensorComparison.of(name, golden.shape(name), actual, golden.expected(name),
                    FORWARD_TOLERANCE));
        }
        return results;
    }

    /**
     * Backward comparisons of a gradient case: the loss (mean cross-entropy against {@code labels}), d loss / d
     * every parameter ({@code grad.<name>}) and d loss / d input, through a {@link GradientTape} over {@code ops}.
     */
    public List<TensorComparison> backward(GoldenCase golden, Ops ops) {
        if (!golden.isModelCase() || !golden.tensors().contains("labels")) {
            throw new Vil4jException("golden case " + golden.name() + " holds no gradients");
        }
        GradientTape tape = new GradientTape(ops);
        Model model = build(golden, tape, golden.parameters(), golden.file().toString());
        HostTensor input = golden.host("input");
        int[] labels = java.util.Arrays.stream(golden.tensors().longs("labels")).mapToInt(Math::toIntExact).toArray();
        Map<String, float[]> computed = new LinkedHashMap<>();
        tape.trackInputs(true);
        tape.begin();
        try {
            Tensor x = tape.upload(input.shape(), input.data());
            Tensor out = model.forward(x, (name, t) -> { });
            float[] logits = tape.download(out);
            CrossEntropy.Result loss = CrossEntropy.of(logits, labels, out.shape().last(), 0.0);
            computed.put("loss", new float[]{(float) loss.loss()});
            Map<Tensor, Tensor> grads = tape.backward(out, tape.upload(out.shape(), loss.gradient()));
            Tensor dx = grads.get(x);
            if (dx != null) {
                computed.put("grad.input", tape.download(dx));
            }
            model.parameters().forEach((name, p) -> {
                Tensor g = grads.get(p);
                computed.put("grad." + name, g == null ? new float[p.shape().size()] : tape.download(g));
            });
        } finally {
            tape.end();
        }
        List<TensorComparison> results = new ArrayList<>();
        for (String name : golden.expectedBackward()) {
            float[] actual = computed.get(name);
            if (actual == null) {
                throw new Vil4jException("golden case " + golden.name() + ": the backward produced no " + name);
            }
            results.add(TensorComparison.of(name, golden.shape(name), actual, golden.expected(name),
                    name.equals("loss") ? FORWARD_TOLERANCE : GRADIENT_TOLERANCE));
        }
        return results;
    }

    /** A ViL (backbones-vil) or a model of a backbone plugin, seen the same way. */
    private interface Model {
        Tensor forward(Tensor images, java.util.function.BiConsumer<String, Tensor> activations);

        Map<String, Tensor> parameters();
    }

    private Model build(GoldenCase golden, Ops ops, Map<String, HostTensor> weights, String source) {
        if (golden.isVil()) {
            VisionLstm vil = new VisionLstm(golden.config(), plugins, ops, weights, source);
            if (form != null) {
                vil.setMlstmForm(form, chunkSize);
            }
            return new Model() {
                @Override
                public Tensor forward(Tensor images, java.util.function.BiConsumer<String, Tensor> activations) {
                    return vil.forward(images, activations::accept);
                }

                @Override
                public Map<String, Tensor> parameters() {
                    return vil.parameters();
                }
            };
        }
        Backbone backbone = plugins.backboneFor(golden.modelClass()).orElseThrow(() -> new Vil4jException(
                "golden case " + golden.name() + ": no backbone plugin builds " + golden.modelClass()
                        + " (known backbones: " + plugins.backbones().keySet() + ")"));
        BackboneModel m = backbone.create(golden.spec(), plugins, ops, weights, source);
        return new Model() {
            @Override
            public Tensor forward(Tensor images, java.util.function.BiConsumer<String, Tensor> activations) {
                return m.forward(images, activations);
            }

            @Override
            public Map<String, Tensor> parameters() {
                return m.parameters();
            }
        };
    }

    /** q, k, v [B, NH, S, DH] and gates [B, NH, S, 1] to our [B, S, NH*DH] / [B, S, NH] layouts and back. */
    private TensorComparison mlstmCell(GoldenCase golden, Ops ops) {
        Shape qs = golden.shape("q");
        int b = qs.dim(0), nh = qs.dim(1), s = qs.dim(2), dh = qs.dim(3);
        long mark = ops.mark();
        try {
            Tensor q = ops.upload(Shape.of(b, s, nh * dh), headsLast(golden.host("q").data(), b, nh, s, dh));
            Tensor k = ops.upload(Shape.of(b, s, nh * dh), headsLast(golden.host("k").data(), b, nh, s, dh));
            Tensor v = ops.upload(Shape.of(b, s, nh * dh), headsLast(golden.host("v").data(), b, nh, s, dh));
            Tensor ig = ops.upload(Shape.of(b, s, nh), headsLast(golden.host("igate_preact").data(), b, nh, s, 1));
            Tensor fg = ops.upload(Shape.of(b, s, nh), headsLast(golden.host("fgate_preact").data(), b, nh, s, 1));
            float eps = (float) golden.eps();
            Tensor out = form == null ? ops.mlstm(q, k, v, ig, fg, nh, eps)
                    : ops.mlstm(q, k, v, ig, fg, nh, eps, form, chunkSize);
            float[] h = headsFirst(ops.download(out), b, nh, s, dh);
            return TensorComparison.of("h", golden.shape("h"), h, golden.expected("h"), FORWARD_TOLERANCE);
        } finally {
            ops.release(mark);
        }
    }

    private static float[] headsLast(float[] x, int b, int nh, int s, int dh) {
        float[] out = new float[x.length];
        for (int i = 0; i < b; i++) {
            for (int h = 0; h < nh; h++) {
                for (int t = 0; t < s; t++) {
                    System.arraycopy(x, ((i * nh + h) * s + t) * dh, out, ((i * s + t) * nh + h) * dh, dh);
                }
            }
        }
        return out;
    }

    private static float[] headsFirst(float[] x, int b, int nh, int s, int dh) {
        float[] out = new float[x.length];
        for (int i = 0; i < b; i++) {
            for (int h = 0; h < nh; h++) {
                for (int t = 0; t < s; t++) {
                    System.arraycopy(x, ((i * s + t) * nh + h) * dh, out, ((i * nh + h) * s + t) * dh, dh);
                }
            }
        }
        return out;
    }
}
