package org.vil4j.segmentation;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * UperNet (Xiao et al. 2018) as mmseg's {@code UPerHead} with its auxiliary {@code FCNHead}, over a plain
 * (single-resolution) backbone the way ViT/ViL segmentation setups feed it:
 * <ol>
 *   <li>neck (mmseg's Feature2Pyramid): each of the four features gets a layer norm and is rescaled to a pyramid
 *   (default x4, x2, x1, /2 of the token grid): up by transposed convolutions of kernel = stride = 2 (x4: two, with
 *   a norm and SiLU between), down by average pooling (mmseg: max pooling, which the op set lacks);</li>
 *   <li>pyramid pooling on the coarsest level: adaptive average pooling to 1, 2, 3, 6 bins, a 1x1 conv module each,
 *   bilinear back, concatenated with the level and fused by a 3x3 conv module;</li>
 *   <li>FPN: 1x1 lateral conv modules, top-down addition of the bilinearly upsampled coarser level, a 3x3 conv module
 *   per level;</li>
 *   <li>fuse: every level resized to the finest, concatenated, a 3x3 conv module, a 1x1 classifier;</li>
 *   <li>auxiliary FCN head on the third level: a 3x3 conv module and a 1x1 classifier (loss weight 0.4).</li>
 * </ol>
 * Resizes use align_corners=false, as UPerHead's default.
 */
public final class UperNetDecoder implements Decoder {
    public static final String NAME = "upernet";
    public static final int[] POOL_SCALES = {1, 2, 3, 6};
    private static final int LEVELS = 4;

    private final DecoderLayers layers = new DecoderLayers();
    private final double[] scales;
    private final boolean auxiliary;

    /**
     * @param inChannels the backbone's feature width
     * @param channels   the decoder's width (mmseg: 512; small models here: 32-64)
     * @param scales     the pyramid's scale of each level relative to the token grid (4 values, e.g. 2, 1, 0.5,
     *                   0.25)
     */
    public UperNetDecoder(int inChannels, int channels, int classes, double[] scales) {
        this(inChannels, channels, classes, scales, true);
    }

    /** @param auxiliary with the auxiliary FCN head (a training device: inference does not use it) */
    public UperNetDecoder(int inChannels, int channels, int classes, double[] scales, boolean auxiliary) {
        this.auxiliary = auxiliary;
        if (scales.length != LEVELS) {
            throw new IllegalArgumentException("UperNet takes " + LEVELS + " pyramid scales, got " + scales.length);
        }
        this.scales = scales.clone();
        for (int i = 0; i < LEVELS; i++) {
            layers.declareNorm("neck.norm" + i, inChannels);
            int ups = upsamplings(scales[i]);
            for (int u = 0; u < ups; u++) {
                layers.declareDeconv("neck.up" + i + "." + u, inChannels, inChannels, 2);
                if (u < ups - 1) {
                    layers.declareNorm("neck.up" + i + "." + u + ".norm", inChannels);
                }
            }
        }
        for (int j = 0; j < POOL_SCALES.length; j++) {
            layers.declareConvModule("psp" + j, inChannels, channels, 1);
        }
        layers.declareConvModule("psp_bottleneck", inChannels + POOL_SCALES.length * channels, channels, 3);
        for (int i = 0; i < LEVELS - 1; i++) {
            layers.declareConvModule("lateral" + i, inChannels, channels, 1);
            layers.declareConvModule("fpn" + i, channels, channels, 3);
        }
        layers.declareConvModule("fpn_bottleneck", LEVELS * channels, channels, 3);
        layers.declareConv("cls", channels, classes, 1, true, true);
        if (auxiliary) {
            layers.declareConvModule("aux.conv", inChannels, channels, 3);
            layers.declareConv("aux.cls", channels, classes, 1, true, true);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int featureCount() {
        return LEVELS;
    }

    public double[] scales() {
        return scales.clone();
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

    /** How many x2 transposed convolutions make a level of this scale (1: none; 2, 4, ...: log2). */
    static int upsamplings(double scale) {
        if (scale <= 1) {
            return 0;
        }
        int n = (int) Math.round(Math.log(scale) / Math.log(2));
        if (Math.abs(Math.pow(2, n) - scale) > 1e-9) {
            throw new IllegalArgumentException("UperNet upsamples by powers of 2, not " + scale);
        }
        return n;
    }

    /** The grid side of a level: the token grid's times the scale, at least 1. */
    static int scaled(int side, double scale) {
        return Math.max(1, (int) Math.round(side * scale));
    }

    @Override
    public Output forward(Ops ops, Map<String, Tensor> p, List<FeatureMap> features) {
        if (features.size() != LEVELS) {
            throw new IllegalArgumentException("UperNet takes " + LEVELS + " features, got " + features.size());
        }
        List<FeatureMap> levels = new ArrayList<>();
        for (int i = 0; i < LEVELS; i++) {
            FeatureMap f = layers.norm(ops, p, "neck.norm" + i, features.get(i));
            int ups = upsamplings(scales[i]);
            for (int u = 0; u < ups; u++) {
                f = layers.deconv(ops, p, "neck.up" + i + "." + u, f, 2);
                if (u < ups - 1) {
                    f = layers.norm(ops, p, "neck.up" + i + "." + u + ".norm", f);
                    f = new FeatureMap(ops.silu(f.tokens()), f.height(), f.width());
                }
            }
            int oh = scaled(f.height(), Math.min(1, scales[i])), ow = scaled(f.width(), Math.min(1, scales[i]));
            if (oh < f.height() || ow < f.width()) {
                f = DecoderLayers.pool(ops, f, oh, ow);
            }
            levels.add(f);
        }
        // pyramid pooling module on the coarsest level
        FeatureMap top = levels.get(LEVELS - 1);
        List<FeatureMap> psp = new ArrayList<>(List.of(top));
        for (int j = 0; j < POOL_SCALES.length; j++) {
            FeatureMap pooled = DecoderLayers.pool(ops, top, POOL_SCALES[j], POOL_SCALES[j]);
            pooled = layers.convModule(ops, p, "psp" + j, pooled, 1);
            psp.add(DecoderLayers.resize(ops, pooled, top.height(), top.width(), false));
        }
        FeatureMap[] laterals = new FeatureMap[LEVELS];
        laterals[LEVELS - 1] = layers.convModule(ops, p, "psp_bottleneck", DecoderLayers.concat(ops, psp), 3);
        for (int i = 0; i < LEVELS - 1; i++) {
            laterals[i] = layers.convModule(ops, p, "lateral" + i, levels.get(i), 1);
        }
        // top-down path
        for (int i = LEVELS - 1; i > 0; i--) {
            FeatureMap below = laterals[i - 1];
            FeatureMap up = DecoderLayers.resize(ops, laterals[i], below.height(), below.width(), false);
            laterals[i - 1] = new FeatureMap(ops.add(below.tokens(), up.tokens()), below.height(), below.width());
        }
        List<FeatureMap> outs = new ArrayList<>();
        for (int i = 0; i < LEVELS; i++) {
            FeatureMap o = i < LEVELS - 1 ? layers.convModule(ops, p, "fpn" + i, laterals[i], 3) : laterals[i];
            outs.add(DecoderLayers.resize(ops, o, laterals[0].height(), laterals[0].width(), false));
        }
        FeatureMap fused = layers.convModule(ops, p, "fpn_bottleneck", DecoderLayers.concat(ops, outs), 3);
        FeatureMap logits = layers.conv(ops, p, "cls", fused, 1);
        if (!auxiliary) {
            return new Output(logits, null);
        }
        FeatureMap aux = layers.convModule(ops, p, "aux.conv", levels.get(2), 3);
        return new Output(logits, layers.conv(ops, p, "aux.cls", aux, 1));
    }
}
