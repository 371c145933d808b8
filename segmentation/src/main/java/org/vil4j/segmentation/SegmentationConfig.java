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
 * @param blocks     the blocks (v2: block pairs) whose outputs are the features, ascending
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
    }

    public int classes() {
        return classNames.size();
    }

    /**
     * Four blocks spread evenly over the depth, ending at the last (depth 4: 0, 1, 2, 3; depth 12: 2, 5, 8, 11, as the
     * ViT/ViL UperNet setups take them); with fewer blocks than levels, the finer levels repeat the shallowest.
     */
    public static int[] evenBlocks(int depth, int count) {
        List<Integer> out = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            int b = (int) Math.round((double) depth * i / count) - 1;
            if (out.isEmpty() || b > out.get(out.size() - 1)) {
                out.add(Math.max(0, b));
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
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
