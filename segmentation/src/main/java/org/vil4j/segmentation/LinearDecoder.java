package org.vil4j.segmentation;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The linear probe of dense prediction: the deepest feature, a layer norm, one linear map per token to the classes;
 * the model then resizes the logits bilinearly to the image.
 */
public final class LinearDecoder implements Decoder {
    public static final String NAME = "linear";
    private final DecoderLayers layers = new DecoderLayers();

    public LinearDecoder(int inChannels, int classes) {
        layers.declareNorm("norm", inChannels);
        layers.declareConv("cls", inChannels, classes, 1, true, true);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int featureCount() {
        return 1;
    }

    @Override
    public Map<String, Shape> parameterShapes() {
        return layers.shapes();
    }

    @Override
    public Map<String, HostTensor> initialize(long seed) {
        return layers.initialize(seed);
    }

    @Override
    public float[] initialValue(String name, java.util.SplittableRandom random) {
        return layers.initialValue(name, random);
    }

    @Override
    public Output forward(Ops ops, Map<String, Tensor> params, List<FeatureMap> features) {
        FeatureMap x = layers.norm(ops, params, "norm", features.get(features.size() - 1));
        return new Output(layers.conv(ops, params, "cls", x, 1), null);
    }
}
