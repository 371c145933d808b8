package org.vil4j.segmentation;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.WeightsMismatchException;
import org.vil4j.vil.VilInitializer;
import org.vil4j.vil.VisionLstm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A ViL backbone and a decoder on one backend: images {@code [B, C, H, W]} to per-pixel class logits {@code [B, H*W,
 * classes]} (channels-last, bilinearly resized to the image as mmseg does before the loss). Weights are named as the
 * backbone's state_dict, and {@code decode.NAME} for the decoder's.
 */
public final class SegmentationModel {
    public static final String DECODER_PREFIX = "decode.";

    private final SegmentationConfig config;
    private final Ops ops;
    private final VisionLstm backbone;
    private final Decoder decoder;
    private final Map<String, Tensor> decoderParams = new LinkedHashMap<>();
    private final Map<String, Tensor> all = new LinkedHashMap<>();

    /** Logits at the image's size, and the auxiliary head's (null without one). */
    public record Output(Tensor logits, Tensor auxLogits) {
    }

    public SegmentationModel(SegmentationConfig config, Plugins plugins, Ops ops, Map<String, HostTensor> weights,
                             String source) {
        this.config = config;
        this.ops = ops;
        this.decoder = config.newDecoder();
        Map<String, HostTensor> backboneWeights = new LinkedHashMap<>();
        Map<String, HostTensor> decoderWeights = new LinkedHashMap<>();
        weights.forEach((name, t) -> {
            if (name.startsWith(DECODER_PREFIX)) {
                decoderWeights.put(name.substring(DECODER_PREFIX.length()), t);
            } else {
                backboneWeights.put(name, t);
            }
        });
        List<String> problems = new ArrayList<>();
        decoder.parameterShapes().forEach((name, shape) -> {
            HostTensor t = decoderWeights.get(name);
            if (t == null) {
                problems.add("missing " + DECODER_PREFIX + name + " " + shape);
            } else if (!t.shape().equals(shape)) {
                problems.add("mis-shaped " + DECODER_PREFIX + name + ": expected " + shape + ", found " + t.shape());
            }
        });
        decoderWeights.keySet().stream().filter(n -> !decoder.parameterShapes().containsKey(n))
                .forEach(n -> problems.add("unexpected " + DECODER_PREFIX + n));
        if (!problems.isEmpty()) {
            throw new WeightsMismatchException(source, problems);
        }
        this.backbone = new VisionLstm(config.backbone(), plugins, ops, backboneWeights, source);
        all.putAll(backbone.parameters());
        for (String name : decoder.parameterShapes().keySet()) {
            HostTensor t = decoderWeights.get(name);
            VisionLstm.requireFinite(t.data(), DECODER_PREFIX + name, source);
            Tensor p = ops.parameter(t.shape(), t.data());
            decoderParams.put(name, p);
            all.put(DECODER_PREFIX + name, p);
        }
    }

    /** Fresh weights: the backbone's reference initialisation and the decoder's. */
    public static Map<String, HostTensor> initialize(SegmentationConfig config, long seed) {
        Map<String, HostTensor> w = new LinkedHashMap<>(VilInitializer.initialize(config.backbone(), seed));
        config.newDecoder().initialize(seed + 1).forEach((name, t) -> w.put(DECODER_PREFIX + name, t));
        return w;
    }

    public SegmentationConfig config() {
        return config;
    }

    public Ops ops() {
        return ops;
    }

    public Decoder decoder() {
        return decoder;
    }

    public VisionLstm backbone() {
        return backbone;
    }

    /** Every parameter on the backend, by name. */
    public Map<String, Tensor> parameters() {
        return Collections.unmodifiableMap(all);
    }

    /** Builds the backbone's tables for inputs of this size (before the first such forward). */
    public void prepare(int height, int width) {
        backbone.prepare(height, width);
    }

    /**
     * Makes the resampling matrices of the forwards so far persistent on the backend (they were uploads at each
     * use): call before a step's or an evaluation's first upload, while nothing of the workspace is alive.
     */
    public void settleConstants() {
        DecoderLayers.settleConstants(ops);
    }

    /** The forward; everything it makes stays in the workspace (release it when done). */
    public Output forward(Tensor images) {
        Shape in = images.shape();
        int height = in.dim(2), width = in.dim(3);
        int[] grid = backbone.grid(height, width);
        int[] distinct = config.distinctBlocks();
        List<Tensor> computed = backbone.features(images, distinct);
        List<FeatureMap> features = new ArrayList<>();
        for (int block : config.blocks()) {
            features.add(new FeatureMap(computed.get(java.util.Arrays.binarySearch(distinct, block)), grid[0],
                    grid[1]));
        }
        while (features.size() < decoder.featureCount()) {
            features.add(0, features.get(0)); // a backbone shallower than the decoder's levels repeats its first
        }
        if (features.size() > decoder.featureCount()) {
            features = features.subList(features.size() - decoder.featureCount(), features.size());
        }
        Decoder.Output out = decoder.forward(ops, decoderParams, features);
        Tensor logits = DecoderLayers.resize(ops, out.logits(), height, width, false).tokens();
        Tensor aux = out.auxLogits() == null ? null
                : DecoderLayers.resize(ops, out.auxLogits(), height, width, false).tokens();
        return new Output(logits, aux);
    }
}
