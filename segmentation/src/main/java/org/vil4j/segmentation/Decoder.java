package org.vil4j.segmentation;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import java.util.List;
import java.util.Map;

/**
 * A segmentation decoder: a head with weights. It declares its parameters (name and shape, in a fixed order),
 * initialises them, and computes per-pixel class logits from backbone features by composing {@link Ops} calls, so
 * a {@link org.vil4j.api.autodiff.GradientTape} records its backward on any backend. (The adapter to the plugin
 * interface of issue 12, where heads own parameters, only has to forward these four methods.)
 */
public interface Decoder {
    /** Stable name ("linear", "upernet"). */
    String name();

    /** How many backbone features (block depths) it takes. */
    int featureCount();

    /** Every parameter, by name (relative to the decoder), with its shape. */
    Map<String, Shape> parameterShapes();

    /** Fresh weights for {@link #parameterShapes()}, deterministic for a seed. */
    Map<String, HostTensor> initialize(long seed);

    /** One parameter's fresh values drawn from {@code random} (for the Head plugin adapter). */
    float[] initialValue(String name, java.util.SplittableRandom random);

    /**
     * Logits at the decoder's own resolution (the caller resizes them to the image), and an auxiliary head's logits
     * (null when it has none).
     *
     * @param params   the parameters on {@code ops}, by the names of {@link #parameterShapes()}
     * @param features the backbone's features, shallow to deep, each {@code [B, h*w, dim]}
     */
    Output forward(Ops ops, Map<String, Tensor> params, List<FeatureMap> features);

    /** The main logits and the auxiliary ones (or null). */
    record Output(FeatureMap logits, FeatureMap auxLogits) {
    }
}
