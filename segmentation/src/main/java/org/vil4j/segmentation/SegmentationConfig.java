package org.vil4j.segmentation;

import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonSyntaxException;
import org.vil4j.formats.json.StrictJsonParser;
import org.vil4j.training.Json;
import org.vil4j.vil.VilConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A segmentation model's structure: the backbone (a ViL in feature mode), which blocks feed the decoder, the decoder
 * and its width, the classes.
 *
 * @param backbone   the ViL (numClasses 0)
 * @param decoder    "upernet" or "linear"
 * @param channels   the decoder's width (UperNet)
 * @param blocks     the blocks (v2: block pairs) whose outputs feed the decoder's levels, finest first, non-decreasing
 *                   (a model file from before one block per level lists fewer: its finer levels repeat the first)
 * @param scales     UperNet's pyramid scales per feature
 * @param classNames index = class
 * @param auxWeight  the auxiliary head's loss weight (UperNet's FCN head; mmseg: 0.4)
 */
public record SegmentationConfig(VilConfig backbone, String decoder, int channels, int[] blocks, double[] scales,
                                 List<String> classNames, double auxWeight) {
    public static final double[] DEFAULT_SCALES = {4, 2, 1, 0.5};

    public SegmentationConfig {
        if (backbone.isClassifier()) {
            throw new Vil4jException("a segmentation backbone is a ViL in feature mode (no classes)");
        }
        if (!decoder.equals(UperNetDecoder.NAME) && !decoder.equals(LinearDecoder.NAME)) {
            throw new Vil4jException("unknown decoder '" + decoder + "' (known: upernet, linear)");
        }
        if (classNames.size() < 2) {
            throw new Vil4jException("segmentation needs at least 2 classes, got " + classNames.size());
        }
        blocks = blocks.clone();
        scales = scales.clone();
        for (int i = 0; i < blocks.length; i++) {
            if (blocks[i] < 0 || blocks[i] >= backbone.depth() || (i > 0 && blocks[i] < blocks[i - 1])) {
                throw new Vil4jException("feature blocks " + java.util.Arrays.toString(blocks) + " must be "
                        + "non-decreasing within the backbone's " + backbone.depth() + " blocks");
            }
        }
    }

    public int classes() {
        return classNames.size();
    }

    /**
     * One block per decoder level, spread evenly over the depth and ending at the last (depth 4: 0, 1, 2, 3; depth
     * 12: 2, 5, 8, 11, as the ViT/ViL UperNet setups take them). A backbone with fewer blocks than levels feeds a
     * block to neighbouring levels (depth 2: 0, 0, 1, 1): every level, the coarse ones included, keeps features of
     * its depth share, where repeating the shallowest block left the deep features to the coarsest level alone.
     */
    public static int[] evenBlocks(int depth, int count) {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = Math.max(0, (int) Math.ceil((double) depth * (i + 1) / count) - 1);
        }
        return out;
    }

    /** The distinct blocks, ascending: what the backbone computes features for. */
    public int[] distinctBlocks() {
        return java.util.Arrays.stream(blocks).distinct().sorted().toArray();
    }

    /** The decoder this config describes, fresh (its parameters are declared, not yet made). */
    public Decoder newDecoder() {
        int dim = backbone.dim();
        return decoder.equals(UperNetDecoder.NAME)
                ? new UperNetDecoder(dim, channels, classes(), scales)
                : new LinearDecoder(dim, classes());
    }

    /** The JSON a model file records (the backbone's config is recorded beside it). */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("decoder", decoder);
        m.put("channels", channels);
        m.put("blocks", java.util.Arrays.stream(blocks).boxed().toList());
        m.put("scales", java.util.Arrays.stream(scales).boxed().toList());
        m.put("auxWeight", auxWeight);
        return Json.write(m);
    }

    public static SegmentationConfig fromJson(String json, VilConfig backbone, List<String> classNames,
                                              String source) {
        try {
            Map<?, ?> m = (Map<?, ?>) StrictJsonParser.parse(json);
            int[] blocks = ((List<?>) m.get("blocks")).stream().mapToInt(o -> (int) num(o)).toArray();
            double[] scales = ((List<?>) m.get("scales")).stream().mapToDouble(SegmentationConfig::num)
                    .toArray();
            return new SegmentationConfig(backbone, (String) m.get("decoder"), (int) num(m.get("channels")),
                    blocks, scales, classNames, num(m.get("auxWeight")));
        } catch (JsonSyntaxException | RuntimeException e) {
            if (e instanceof Vil4jException v) {
                throw v;
            }
            throw new Vil4jException(source + ": the segmentation config is not valid (" + e.getMessage() + ")");
        }
    }

    private static double num(Object o) {
        return o instanceof org.vil4j.formats.json.JsonNumber n ? Double.parseDouble(n.literal())
                : ((Number) o).doubleValue();
    }
}
