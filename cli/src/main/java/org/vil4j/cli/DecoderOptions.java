package org.vil4j.cli;

import org.vil4j.api.Vil4jException;
import org.vil4j.segmentation.SegmentationConfig;

import picocli.CommandLine.Option;

/**
 * A segmentation decoder's options: what `train`/`eval --task segmentation` build and `bench --task segmentation`
 * times, declared once so that the two cannot drift apart.
 */
final class DecoderOptions {
    @Option(names = "--decoder", defaultValue = "upernet", description = "segmentation: upernet (with the auxiliary "
            + "FCN head) or linear (default: ${DEFAULT-VALUE})")
    String decoder;

    @Option(names = "--decoder-channels", defaultValue = "16", description = "segmentation: UperNet's width "
            + "(default: ${DEFAULT-VALUE})")
    int decoderChannels;

    @Option(names = "--pyramid-scales", paramLabel = "S0,S1,S2,S3", description = "UperNet: each level's scale "
            + "relative to the token grid, as mmseg's Feature2Pyramid (up: powers of 2 by transposed convolutions; "
            + "down: average pooling). Default: mmseg's 4,2,1,0.5 for fmnist-scenes (at patch 4 the finest level is "
            + "the pixel grid, which makes its masks exact); 2,1,0.5,0.25 for ade20k (its 256x256 canvas would make "
            + "a pixel-level level 16x the memory of fmnist-scenes')")
    String pyramidScales;

    @Option(names = "--feature-blocks", paramLabel = "B0,B1,B2,B3", description = "segmentation: the block (pair) "
            + "whose tokens feed each of the decoder's four levels, finest first, non-decreasing, counted from 0 "
            + "(default: spread evenly over the depth, e.g. 0,0,1,1 at depth 2, 2,5,8,11 at depth 12)")
    String featureBlocks;

    void check() {
        if (decoderChannels < 1) {
            throw new Vil4jException("--decoder-channels must be at least 1, got " + decoderChannels);
        }
    }

    /** The blocks feeding the decoder's levels for a backbone of this depth. */
    int[] blocks(int depth) {
        if (featureBlocks == null) {
            return SegmentationConfig.evenBlocks(depth, 4);
        }
        String[] parts = featureBlocks.split(",");
        int[] out = new int[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                out[i] = Integer.parseInt(parts[i].trim());
            }
        } catch (NumberFormatException e) {
            out = null;
        }
        if (out == null || out.length != 4) {
            throw new Vil4jException("--feature-blocks must be four block indices (e.g. 0,1,1,1), got '"
                    + featureBlocks + "'");
        }
        return out;
    }

    /**
     * The pyramid: the option, else the default for small canvases whose masks want the pixel grid (fmnist-scenes:
     * docs/SEGMENTATION-NOTES.md, round 7) or for large ones (half a level).
     */
    double[] pyramid(boolean pixelGrid) {
        String spec = pyramidScales;
        if (spec == null) {
            spec = pixelGrid ? "4,2,1,0.5" : "2,1,0.5,0.25";
        }
        String[] parts = spec.split(",");
        double[] out = new double[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                out[i] = Double.parseDouble(parts[i].trim());
                boolean powerOfTwo = out[i] > 0 && Math.abs(Math.pow(2, Math.round(Math.log(out[i]) / Math.log(2)))
                        - out[i]) < 1e-9;
                if (!powerOfTwo || out[i] > 16) {
                    throw new NumberFormatException();
                }
            }
        } catch (NumberFormatException e) {
            out = null;
        }
        if (out == null || out.length != 4) {
            throw new Vil4jException("--pyramid-scales must be four powers of 2 up to 16 (e.g. 4,2,1,0.5), got '"
                    + pyramidScales + "'");
        }
        return out;
    }
}
