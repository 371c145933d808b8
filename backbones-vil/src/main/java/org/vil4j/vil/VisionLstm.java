package org.vil4j.vil;

import org.vil4j.api.Head;
import org.vil4j.api.HostTensor;
import org.vil4j.api.MixerContext;
import org.vil4j.api.Residual;
import org.vil4j.api.MixerLayer;
import org.vil4j.api.Ops;
import org.vil4j.api.ParameterSet;
import org.vil4j.api.Plugins;
import org.vil4j.api.SequenceMixer;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.api.Vil4jException;
import org.vil4j.api.WeightsMismatchException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Vision-LSTM (v1 or v2) bound to one backend: its parameters live there, and {@link #forward} composes the
 * backend's operations exactly as the reference's forward does.
 */
public final class VisionLstm {
    private static final float BLOCK_NORM_EPS = 1e-5f;
    private static final float FINAL_NORM_EPS = 1e-6f;
    private static final float TORCH_LAYER_NORM_EPS = 1e-5f;

    private final VilConfig config;
    private final Ops ops;
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final List<TraversalStrategy> traversals = new ArrayList<>();
    private SequenceMixer mixer;
    /** The sub-blocks' layer, as the mixer plugin made it for this configuration (it owns {@code layer.*}). */
    private MixerLayer layer;
    private final Head head;
    private final ParameterSet all = params::get;
    private final Map<Long, GridTables> grids = new HashMap<>();
    private ResidualScaling residualScaling;

    /**
     * Builds the model on {@code ops} and uploads {@code weights} (named as the reference's state_dict).
     *
     * @param source where the weights came from, for error messages
     * @throws WeightsMismatchException listing every missing, unexpected or mis-shaped weight
     */
    public VisionLstm(VilConfig config, Plugins plugins, Ops ops, Map<String, HostTensor> weights, String source) {
        this.config = config;
        this.ops = ops;
        for (String name : config.traversals()) {
            traversals.add(plugins.traversal(name));
        }
        this.mixer = plugins.mixer(config.mixer());
        this.head = plugins.head(config.pooling());
        if (config.isClassifier() && !head.pools()) {
            throw new Vil4jException("invalid ViL configuration: a classifier (" + config.numClasses() + " classes) "
                    + "needs a pooling head (bilateral_flatten, bilateral_avg), got pooling " + config.pooling());
        }
        if (!config.isClassifier() && head.pools() && config.version() == VilVersion.V2) {
            throw new Vil4jException("invalid ViL configuration: feature mode takes pooling to_image or none, got "
                    + config.pooling());
        }
        this.layer = ParameterLayout.mixerLayer(config, mixer);
        Map<String, Shape> layout = ParameterLayout.of(config, layer, head);
        checkWeights(layout, weights, source);
        for (var e : layout.entrySet()) {
            params.put(e.getKey(), ops.parameter(e.getValue(), weights.get(e.getKey()).data()));
        }
        prepare(config.height(), config.width());
    }

    public VilConfig config() {
        return config;
    }

    public Ops ops() {
        return ops;
    }

    /**
     * Per-sample scales of each sub-block's residual branch for the next forwards (drop-path while training), or
     * null for none (inference).
     */
    public void setResidualScaling(ResidualScaling scaling) {
        this.residualScaling = scaling;
    }

    /**
     * Computes the mLSTM in {@code form} (null: the mixer picks by sequence length) with chunks of {@code chunkSize}
     * tokens: the same function in every form, at another cost. Only for the mLSTM mixer.
     */
    public void setMlstmForm(org.vil4j.api.MlstmForm form, int chunkSize) {
        if (!(mixer instanceof MlstmMixer m)) {
            throw new Vil4jException("an mLSTM form was chosen, but this model's mixer is '" + mixer.name() + "'");
        }
        mixer = m.withForm(form, chunkSize);
        layer = ParameterLayout.mixerLayer(config, mixer);
    }

    /** The parameters on the backend, by state_dict name (for optimisers and checkpoints). */
    public Map<String, Tensor> parameters() {
        return java.util.Collections.unmodifiableMap(params);
    }

    /** The parameter names and shapes this model expects. */
    public Map<String, Shape> parameterShapes() {
        return ParameterLayout.of(config, layer, head);
    }

    /** Token grid for an input of this size. */
    public int[] grid(int height, int width) {
        int p = config.patchSize(), s = config.stride();
        if (height < p || width < p || (height - p) % s != 0 || (width - p) % s != 0) {
            throw new ShapeMismatchException("input " + height + "x" + width + " does not tile into " + p + "x" + p
                    + " patches with stride " + s);
        }
        return new int[]{(height - p) / s + 1, (width - p) / s + 1};
    }

    /**
     * Builds the device tables for inputs of another size. Call it before uploading such an input: tables are
     * persistent and cannot be made while a forward's workspace is in use.
     */
    public void prepare(int height, int width) {
        int[] g = grid(height, width);
        grids.computeIfAbsent(key(g[0], g[1]), k -> new GridTables(ops, config, traversals, g[0], g[1]));
    }

    /** Runs one batch [B, C, H, W] and returns the model output (left in the workspace: release it when done). */
    public Tensor forward(Tensor images, ActivationSink sink) {
        GridTables grid = gridOf(images.shape());
        // the mark before the embedding: the first block's output, written over the embedding, is then kept uncopied
        long base = ops.mark();
        Tensor x = embed(images, grid, sink);
        for (int i = 0; i < config.subBlockCount(); i++) {
            // the block's input is given up to its output (no copy at the block's end): nothing else reads it
            x = ops.keep(base, subBlock(x, i, grid, true));
            boolean endOfBlock = config.version() == VilVersion.V1 || i % 2 == 1;
            if (endOfBlock) {
                sink.accept("blocks." + (config.version() == VilVersion.V1 ? i : i / 2), x);
            }
        }
        return head(x, grid, sink);
    }

    /**
     * The tokens {@code [B, S, dim]} (grid order) after each of {@code blocks} (v2: block pairs, v1: blocks; strictly
     * ascending): the multi-depth features a dense-prediction decoder takes. No final norm, no head; the workspace is
     * not released (on a recording tape nothing is anyway).
     */
    public List<Tensor> features(Tensor images, int[] blocks) {
        int perBlock = config.version() == VilVersion.V1 ? 1 : 2;
        int count = config.subBlockCount() / perBlock;
        for (int i = 0; i < blocks.length; i++) {
            if (blocks[i] < 0 || blocks[i] >= count || (i > 0 && blocks[i] <= blocks[i - 1])) {
                throw new Vil4jException("feature blocks " + java.util.Arrays.toString(blocks) + " must ascend "
                        + "within the model's " + count + " blocks");
            }
        }
        GridTables grid = gridOf(images.shape());
        Tensor x = embed(images, grid, ActivationSink.NONE);
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; out.size() < blocks.length; i++) {
            x = subBlock(x, i, grid, false); // earlier features stay: no reuse of the input
            if ((i + 1) % perBlock == 0 && i / perBlock == blocks[out.size()]) {
                out.add(x);
            }
        }
        return out;
    }

    // ---- the forward in stages, for training that recomputes activations (gradient checkpointing) -------------

    /** Patch and position embedding of images {@code [B, C, H, W]}: the tokens {@code [B, S, dim]}. */
    public Tensor embed(Tensor images) {
        return embed(images, gridOf(images.shape()), ActivationSink.NONE);
    }

    /** Sub-block {@code index} on tokens x of images {@code imageShape} (the residual included). */
    public Tensor subBlock(Tensor x, int index, Shape imageShape) {
        if (index < 0 || index >= config.subBlockCount()) {
            throw new IllegalArgumentException("sub-block " + index + " of " + config.subBlockCount());
        }
        return subBlock(x, index, gridOf(imageShape), false);
    }

    /** Final norm, pooling and classifier on the tokens after the last sub-block. */
    public Tensor head(Tensor x, Shape imageShape) {
        return head(x, gridOf(imageShape), ActivationSink.NONE);
    }

    private GridTables gridOf(Shape in) {
        if (in.rank() != 4 || in.dim(1) != config.channels()) {
            throw new ShapeMismatchException("input " + in + " must be [B, " + config.channels() + ", H, W]");
        }
        int[] g = grid(in.dim(2), in.dim(3));
        GridTables grid = grids.get(key(g[0], g[1]));
        if (grid == null) {
            throw new Vil4jException("input " + in + " has a " + g[0] + "x" + g[1] + " token grid this model was not "
                    + "prepared for: call prepare(" + in.dim(2) + ", " + in.dim(3) + ") before uploading it");
        }
        return grid;
    }

    private Tensor embed(Tensor images, GridTables grid, ActivationSink sink) {
        Shape in = images.shape();
        int b = in.dim(0), dim = config.dim();
        int p = config.patchSize();
        Tensor patches = ops.patchify(images, p, p, config.stride(), config.stride());
        Tensor projW = ops.reshape(param("patch_embed.proj.weight"), Shape.of(dim, config.channels() * p * p));
        Tensor pos = ops.reshape(param("pos_embed.embed"), Shape.of(config.embedGridH() * config.embedGridW(), dim));
        if (grid.posResize != null) {
            pos = ops.matmul(grid.posResize, pos);
        }
        Tensor x;
        if (sink == ActivationSink.NONE) {
            // nobody looks at the embedding before the position is added: one pass
            x = ops.linearAddRows(patches, projW, param("patch_embed.proj.bias"), pos);
        } else {
            x = ops.linear(patches, projW, param("patch_embed.proj.bias"));
            sink.accept("patch_embed", ops.reshape(x, Shape.of(b, grid.h, grid.w, dim)));
            x = ops.add(x, pos);
        }
        sink.accept("pos_embed", ops.reshape(x, Shape.of(b, grid.h, grid.w, dim)));
        return x;
    }

    private Tensor head(Tensor x, GridTables grid, ActivationSink sink) {
        return config.version() == VilVersion.V2 ? headV2(x, grid, sink) : headV1(x, grid, sink);
    }

    /**
     * norm, traversal order, the mixer plugin's layer (mLSTM: MlstmLayer), back to grid order, residual.
     * {@code reuseInput}: x may be overwritten by the result (the inference loop; not for callers that keep x).
     */
    private Tensor subBlock(Tensor x, int index, GridTables grid, boolean reuseInput) {
        String l = ParameterLayout.subBlockPrefix(config, index);
        boolean identity = grid.identity[index];
        Tensor xn = identity
                ? ops.layerNorm(x, config.dim(), param(l + "norm.weight"), true, optional(l + "norm.bias"),
                BLOCK_NORM_EPS)
                : ops.layerNormGather(x, grid.order[index], config.dim(), param(l + "norm.weight"), true,
                optional(l + "norm.bias"), BLOCK_NORM_EPS);
        MixerContext context = new MixerContext(grid.h, grid.w, index, grid.neighbours[index]);
        Residual residual = new Residual(x, identity ? null : grid.order[index], identity ? null
                : grid.inverse[index], reuseInput);
        float[] scales = residualScaling == null ? null : residualScaling.scales(index, x.shape().dim(0));
        if (scales == null) {
            return layer.forwardAdd(ops, all.below(l + "layer."), xn, context, residual);
        }
        Tensor y = layer.forward(ops, all.below(l + "layer."), xn, context);
        return residual.add(ops, ops.scaleSamples(y, ops.upload(Shape.of(scales.length), scales)));
    }

    /** v2: final norm on tokens, then pooling with the legacy norm after it (or before, for token outputs). */
    private Tensor headV2(Tensor x, GridTables grid, ActivationSink sink) {
        x = ops.layerNorm(x, config.dim(), param("norm.weight"), true, optional("norm.bias"), FINAL_NORM_EPS);
        sink.accept("norm", x);
        if (head.pools()) {
            x = legacyNormV2(applyHead(x, grid));
        } else {
            x = applyHead(legacyNormV2(x), grid);
        }
        return classify(x);
    }

    private Tensor legacyNormV2(Tensor x) {
        if (!config.legacyNorm()) {
            return x;
        }
        return ops.layerNorm(x, x.shape().last(), param("legacy_norm.weight"), false, param("legacy_norm.bias"),
                TORCH_LAYER_NORM_EPS);
    }

    /** v1: legacy norm (residual weight) on tokens, pooling, then torch's LayerNorm. */
    private Tensor headV1(Tensor x, GridTables grid, ActivationSink sink) {
        if (config.legacyNorm()) {
            x = ops.layerNorm(x, config.dim(), param("legacy_norm.weight"), true, null, BLOCK_NORM_EPS);
        }
        x = applyHead(x, grid);
        x = ops.layerNorm(x, config.dim(), param("norm.weight"), false, param("norm.bias"), FINAL_NORM_EPS);
        sink.accept("norm", x);
        return classify(x);
    }

    private Tensor applyHead(Tensor x, GridTables grid) {
        return head.apply(ops, all.below(ParameterLayout.HEAD_PREFIX), x, grid.h, grid.w);
    }

    private Tensor classify(Tensor x) {
        return config.isClassifier() ? ops.linear(x, param("head.weight"), param("head.bias")) : x;
    }

    private Tensor param(String name) {
        Tensor t = params.get(name);
        if (t == null) {
            throw new IllegalStateException("model has no parameter " + name);
        }
        return t;
    }

    private Tensor optional(String name) {
        return params.get(name);
    }

    private static long key(int h, int w) {
        return ((long) h << 32) | w;
    }

    private static void checkWeights(Map<String, Shape> layout, Map<String, HostTensor> weights, String source) {
        List<String> problems = new ArrayList<>();
        for (var e : layout.entrySet()) {
            HostTensor t = weights.get(e.getKey());
            if (t == null) {
                problems.add("missing " + e.getKey() + " " + e.getValue());
            } else if (!t.shape().equals(e.getValue())) {
                problems.add("mis-shaped " + e.getKey() + ": expected " + e.getValue() + ", found " + t.shape());
            }
        }
        for (String name : weights.keySet()) {
            if (!layout.containsKey(name)) {
                problems.add("unexpected " + name + " " + weights.get(name).shape());
            }
        }
        if (!problems.isEmpty()) {
            throw new WeightsMismatchException(source, problems);
        }
        for (String name : layout.keySet()) {
            requireFinite(weights.get(name).data(), name, source);
        }
    }

    /**
     * Rejects a weight tensor holding NaN or an infinity: a model built from it computes nothing meaningful.
     *
     * @throws Vil4jException naming the source, the tensor and the first bad element
     */
    public static void requireFinite(float[] values, String tensor, String source) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                int count = 0;
                for (float v : values) {
                    count += Float.isFinite(v) ? 0 : 1;
                }
                throw new Vil4jException("weights from " + source + ": tensor " + tensor + " holds " + values[i]
                        + " at element " + i + " (" + count + " of " + values.length + " values are not finite)");
            }
        }
    }
}
