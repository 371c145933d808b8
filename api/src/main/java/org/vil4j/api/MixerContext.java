package org.vil4j.api;

/**
 * What a mixer layer may need beyond its tokens: the h x w token grid they came from, the sub-block's index and,
 * where the backbone made one, the neighbour table of a depthwise convolution in the traversal's frame (see
 * {@link TraversalStrategy#convolutionNeighbours}; {@code [S, taps]}, null if none).
 */
public record MixerContext(int height, int width, int subBlock, IndexTable convolutionNeighbours) {
}
