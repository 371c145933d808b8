package org.vil4j.training.model;

import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonNumber;
import org.vil4j.training.Json;
import org.vil4j.training.data.ImageFolder;
import org.vil4j.training.data.Normalisation;

import java.awt.image.BufferedImage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How an image becomes a model's input: its size and channels, how it is resized, and the per-channel mean and std
 * (recorded in a model file, so predict and eval feed a model what it was trained on).
 *
 * @param channels 1 (grey: ITU-R 601 luma, as PIL's convert("L")) or 3 (RGB)
 * @param height   input height
 * @param width    input width
 * @param resize   {@link #STRETCH_BILINEAR} or {@link #SHORTER_SIDE_BICUBIC_CENTER_CROP}
 * @param mean     per channel, on values in [0, 1]
 * @param std      per channel
 */
public record Preprocessing(int channels, int height, int width, String resize, float[] mean, float[] std) {
    /** The whole image stretched to height x width, bilinear (how the training datasets are resized). */
    public static final String STRETCH_BILINEAR = "stretch_bilinear";
    /** The official eval: shorter side to min(height, width) with Pillow's bicubic, then the centre crop. */
    public static final String SHORTER_SIDE_BICUBIC_CENTER_CROP = "shorter_side_bicubic_center_crop";

    public Preprocessing {
        if (channels != 1 && channels != 3) {
            throw new Vil4jException("preprocessing: " + channels + " channels; 1 (grey) or 3 (RGB) are supported");
        }
        if (height < 1 || width < 1) {
            throw new Vil4jException("preprocessing: input " + height + "x" + width + " is not positive");
        }
        if (!resize.equals(STRETCH_BILINEAR) && !resize.equals(SHORTER_SIDE_BICUBIC_CENTER_CROP)) {
            throw new Vil4jException("preprocessing: unknown resize rule '" + resize + "' (known: " + STRETCH_BILINEAR
                    + ", " + SHORTER_SIDE_BICUBIC_CENTER_CROP + ")");
        }
        mean = mean.clone();
        std = std.clone();
        new Normalisation(mean, std); // checks lengths and positive deviations
        if (mean.length != channels) {
            throw new Vil4jException("preprocessing: " + mean.length + " means for " + channels + " channel(s)");
        }
    }

    /** The official ImageNet evaluation (ViL's eval.py) at this input size. */
    public static Preprocessing imageNet(int height, int width) {
        Normalisation n = Normalisation.IMAGENET;
        return new Preprocessing(3, height, width, SHORTER_SIDE_BICUBIC_CENTER_CROP, means(n), stds(n));
    }

    /** A training dataset's normalisation at this input size, images stretched to it. */
    public static Preprocessing training(Normalisation n, int height, int width) {
        return new Preprocessing(n.channels(), height, width, STRETCH_BILINEAR, means(n), stds(n));
    }

    /**
     * The model input for {@code image}, {@code [channels, height, width]}: the official eval (Pillow bicubic,
     * centre crop) or the whole image stretched (bilinear, grey as luma), then normalised.
     */
    public float[] apply(BufferedImage image) {
        if (resize.equals(SHORTER_SIDE_BICUBIC_CENTER_CROP)) {
            if (channels != 3) {
                throw new Vil4jException("preprocessing: " + resize + " gives 3 channels, not " + channels);
            }
            return ImagePreprocessing.evalTransform(ImagePreprocessing.rgb(image), Math.min(height, width), height,
                    width, mean, std);
        }
        float[] out = new float[channels * height * width];
        ImageFolder.planes(image, channels, height, width, out, 0);
        normalisation().apply(out, 0, channels, height * width);
        return out;
    }

    public Normalisation normalisation() {
        return new Normalisation(mean, std);
    }

    private static float[] means(Normalisation n) {
        float[] out = new float[n.channels()];
        for (int c = 0; c < out.length; c++) {
            out[c] = n.mean(c);
        }
        return out;
    }

    private static float[] stds(Normalisation n) {
        float[] out = new float[n.channels()];
        for (int c = 0; c < out.length; c++) {
            out[c] = n.std(c);
        }
        return out;
    }

    /** The JSON recorded in a model file; keys in a fixed order. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("channels", channels);
        m.put("height", height);
        m.put("width", width);
        m.put("resize", resize);
        m.put("mean", floats(mean));
        m.put("std", floats(std));
        return Json.write(m);
    }

    private static List<Object> floats(float[] values) {
        List<Object> out = new ArrayList<>();
        for (float v : values) {
            out.add(new JsonNumber(Float.toString(v))); // the float's shortest text reads back to the same float
        }
        return out;
    }

    /** Reads {@link #toJson()}; {@code source} names the file in errors. */
    public static Preprocessing fromJson(Map<?, ?> m, String source) {
        try {
            return new Preprocessing(integer(m, "channels"), integer(m, "height"), integer(m, "width"),
                    (String) m.get("resize"), floatArray(m.get("mean")), floatArray(m.get("std")));
        } catch (ClassCastException | NullPointerException | ArithmeticException e) {
            throw new Vil4jException(source + ": preprocessing metadata is incomplete or mistyped: " + m);
        } catch (Vil4jException e) {
            throw new Vil4jException(source + ": " + e.getMessage());
        }
    }

    private static int integer(Map<?, ?> m, String key) {
        return Math.toIntExact(((JsonNumber) m.get(key)).longValueExact());
    }

    private static float[] floatArray(Object list) {
        List<?> l = (List<?>) list;
        float[] out = new float[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.parseFloat(((JsonNumber) l.get(i)).literal());
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && p.channels == channels && p.height == height && p.width == width
                && p.resize.equals(resize) && Arrays.equals(p.mean, mean) && Arrays.equals(p.std, std);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(mean) * 31 + Arrays.hashCode(std) + resize.hashCode() + 7 * height + 13 * width;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%dx%dx%d %s mean %s std %s", channels, height, width, resize,
                Arrays.toString(mean), Arrays.toString(std));
    }
}
