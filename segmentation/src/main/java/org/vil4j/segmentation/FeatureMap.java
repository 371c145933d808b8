package org.vil4j.segmentation;

import org.vil4j.api.Tensor;

/** A channels-last feature grid: {@code tokens} is {@code [B, height*width, C]}, row-major over the grid. */
public record FeatureMap(Tensor tokens, int height, int width) {
    public int channels() {
        return tokens.shape().last();
    }
}
