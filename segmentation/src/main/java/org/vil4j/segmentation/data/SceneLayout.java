package org.vil4j.segmentation.data;

import org.vil4j.api.Vil4jException;

/**
 * How fmnist-scenes are composed: the canvas, how many items a scene has, how large they are, how much of an item
 * later ones may hide.
 *
 * @param side         the square canvas's side in pixels (>= 16)
 * @param maxItems     a scene asks for 1..maxItems items (fewer end on it when no place is free enough)
 * @param minScale     an item's side is 28 px times a factor drawn from [minScale, maxScale]
 * @param maxScale     see minScale
 * @param maxOcclusion the largest share of an item's pixels that later items may cover (0: none, 1: any)
 */
public record SceneLayout(int side, int maxItems, double minScale, double maxScale, double maxOcclusion) {
    /** Where a scene's items are at or near Fashion-MNIST's own 28 px, on a canvas that holds a few of them. */
    public static final SceneLayout DEFAULT = new SceneLayout(48, 3, 0.75, 1.25, 0.25);

    public SceneLayout {
        if (side < 16 || maxItems < 1) {
            throw new Vil4jException("fmnist-scenes: canvas " + side + " (must be >= 16) and " + maxItems
                    + " items per scene (must be >= 1)");
        }
        if (!(minScale > 0 && maxScale >= minScale && maxScale <= 16)) {
            throw new Vil4jException("fmnist-scenes: item scales must satisfy 0 < MIN <= MAX <= 16, got " + minScale
                    + ", " + maxScale);
        }
        if (!(maxOcclusion >= 0 && maxOcclusion <= 1)) {
            throw new Vil4jException("fmnist-scenes: the largest occluded share must be in [0, 1], got "
                    + maxOcclusion);
        }
    }

    public SceneLayout withSide(int newSide) {
        return new SceneLayout(newSide, maxItems, minScale, maxScale, maxOcclusion);
    }
}
