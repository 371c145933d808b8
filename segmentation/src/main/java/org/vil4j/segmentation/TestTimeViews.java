package org.vil4j.segmentation;

import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Test-time views of a batch (mmseg's aug test): per-pixel class probabilities of several views, each mapped back to
 * the image's pixels, summed before the top class is taken. {@code flip}: the mirror image (the scenes' training flips
 * image and mask together, so a model reads both ways, but not identically). {@code shift}: the image moved down
 * and/or right by half a patch, so that the patch grid cuts the objects elsewhere (a token sees other pixels
 * together); the pixels moved out of frame are left to the views that keep them, those moved in are background.
 * {@code scale=R1/R2/...}: the image also resized bilinearly by each ratio (to the nearest multiple of the patch; the
 * model's position embedding is resized to the grid), its logits resized back before the softmax, as mmseg's
 * multi-scale aug test; with {@code flip} each scale is mirrored too.
 */
public final class TestTimeViews {
    /**
     * One view: mirrored or not, then moved down by {@code dy} and right by {@code dx} pixels, or resized by {@code
     * scale} (1: not; a resized view is not moved).
     */
    record View(boolean mirror, int dy, int dx, double scale) {
        View(boolean mirror, int dy, int dx) {
            this(mirror, dy, dx, 1);
        }
    }

    private final List<View> views;
    private final float[] background;
    private final int patch;

    private TestTimeViews(List<View> views, float[] background, int patch) {
        this.views = views;
        this.background = background;
        this.patch = patch;
    }

    /**
     * The views a comma-separated {@code spec} names ({@code flip}, {@code shift}, {@code scale=R1/R2/...}, any of
     * them), for a backbone of patch {@code patch}; {@code background} is each channel's normalised value of a black
     * pixel (what moves in). Always with the image itself.
     */
    public static TestTimeViews parse(String spec, int patch, float[] background) {
        Set<String> names = new LinkedHashSet<>();
        Set<Double> scales = new LinkedHashSet<>();
        for (String name : spec.split(",")) {
            String n = name.strip().toLowerCase(Locale.ROOT);
            if (n.startsWith("scale=")) {
                scales.addAll(ratios(name.strip()));
                continue;
            }
            if (!n.equals("flip") && !n.equals("shift")) {
                throw new Vil4jException("--test-views: '" + name.strip() + "' is none of flip, shift, scale=R1/R2 "
                        + "(e.g. flip,shift or flip,scale=0.75/1.25)");
            }
            names.add(n);
        }
        int half = Math.max(1, patch / 2);
        List<int[]> shifts = names.contains("shift")
                ? List.of(new int[] {0, 0}, new int[] {0, half}, new int[] {half, 0}, new int[] {half, half})
                : List.of(new int[] {0, 0});
        List<View> views = new ArrayList<>();
        for (boolean mirror : names.contains("flip") ? List.of(false, true) : List.of(false)) {
            for (int[] s : shifts) {
                views.add(new View(mirror, s[0], s[1]));
            }
            for (double scale : scales) {
                if (scale != 1) {
                    views.add(new View(mirror, 0, 0, scale));
                }
            }
        }
        return new TestTimeViews(List.copyOf(views), background.clone(), patch);
    }

    /** The ratios of a {@code scale=R1/R2/...} item: positive, at most 4. */
    private static List<Double> ratios(String item) {
        List<Double> out = new ArrayList<>();
        for (String r : item.substring("scale=".length()).split("/", -1)) {
            double v;
            try {
                v = Double.parseDouble(r.strip());
            } catch (NumberFormatException e) {
                v = Double.NaN;
            }
            if (!(v > 0 && v <= 4)) {
                throw new Vil4jException("--test-views: '" + item + "' needs ratios in (0, 4] separated by /, e.g. "
                        + "scale=0.75/1.25");
            }
            out.add(v);
        }
        return out;
    }

    /** The side a view of this scale gives an image side: the nearest multiple of the patch, at least one patch. */
    int scaledSide(int side, double scale) {
        return Math.max(patch, (int) Math.round(side * scale / patch) * patch);
    }

    /** How many views, the image itself included. */
    public int size() {
        return views.size();
    }

    /** Per-pixel top classes of the summed probabilities of every view of {@code images} ({@code [B, C, H, W]}). */
    public int[] predict(SegmentationModel model, float[] images, int batch, int height, int width) {
        int channels = model.config().backbone().channels(), classes = model.config().classes();
        float[] sum = new float[batch * height * width * classes];
        for (View view : views) {
            if (view.scale() != 1) {
                // the backbone's tables for the view's grid, made while nothing of the workspace is alive
                model.prepare(scaledSide(height, view.scale()), scaledSide(width, view.scale()));
            }
        }
        for (View view : views) {
            float[] probabilities = view.scale() == 1
                    ? probabilities(model, render(view, images, batch, channels, height, width), batch, height, width,
                    classes)
                    : scaledProbabilities(model, render(new View(view.mirror(), 0, 0), images, batch, channels, height,
                    width), batch, channels, height, width, classes, view.scale());
            for (int b = 0; b < batch; b++) {
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        int q = viewPixel(view, y, x, height, width);
                        if (q >= 0) {
                            int p = (b * height + y) * width + x, from = (b * height * width + q) * classes;
                            for (int k = 0; k < classes; k++) {
                                sum[p * classes + k] += probabilities[from + k];
                            }
                        }
                    }
                }
            }
        }
        return SegmentationTrainer.topClasses(sum, classes);
    }

    /** Where image pixel (y, x) lies in the view (y' * width + x'), or -1 where the view moved it out of frame. */
    static int viewPixel(View view, int y, int x, int height, int width) {
        int vy = y + view.dy(), vx = (view.mirror() ? width - 1 - x : x) + view.dx();
        return vy < height && vx < width ? vy * width + vx : -1;
    }

    /** The view's images: every view pixel takes the image pixel that {@link #viewPixel} sends there. */
    float[] render(View view, float[] images, int batch, int channels, int height, int width) {
        float[] out = new float[images.length];
        for (int plane = 0; plane < batch * channels; plane++) {
            java.util.Arrays.fill(out, plane * height * width, (plane + 1) * height * width,
                    background[plane % channels]);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int q = viewPixel(view, y, x, height, width);
                    if (q >= 0) {
                        out[plane * height * width + q] = images[(plane * height + y) * width + x];
                    }
                }
            }
        }
        return out;
    }

    /**
     * The class probabilities at the image's size of the model's logits on the images resized by {@code scale}: the
     * images resized and the logits resized back on the model's backend with the decoder's bilinear resize
     * (align_corners=false), then the softmax.
     */
    private float[] scaledProbabilities(SegmentationModel model, float[] images, int batch, int channels, int height,
                                        int width, int classes, double scale) {
        int vh = scaledSide(height, scale), vw = scaledSide(width, scale);
        Ops ops = model.ops();
        model.settleConstants();
        long mark = ops.mark();
        try {
            // each channel plane a one-channel grid, [B*C, H*W, 1], as resizes take channels-last grids
            FeatureMap planes = new FeatureMap(ops.upload(Shape.of(batch * channels, height * width, 1), images),
                    height, width);
            Tensor view = ops.reshape(DecoderLayers.resize(ops, planes, vh, vw, false).tokens(),
                    Shape.of(batch, channels, vh, vw));
            FeatureMap logits = new FeatureMap(model.forward(view).logits(), vh, vw);
            return softmax(ops.download(DecoderLayers.resize(ops, logits, height, width, false).tokens()), classes);
        } finally {
            ops.release(mark);
        }
    }

    /** Softmax over the classes of each pixel's logits, {@code [B, H, W, classes]}. */
    private static float[] probabilities(SegmentationModel model, float[] images, int batch, int height, int width,
                                         int classes) {
        return softmax(SegmentationTrainer.logits(model, images, batch, height, width), classes);
    }

    /** In place: each pixel's logits turned into probabilities. */
    private static float[] softmax(float[] logits, int classes) {
        for (int p = 0; p < logits.length; p += classes) {
            float max = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, logits[p + k]);
            }
            float total = 0f;
            for (int k = 0; k < classes; k++) {
                logits[p + k] = (float) Math.exp(logits[p + k] - max);
                total += logits[p + k];
            }
            for (int k = 0; k < classes; k++) {
                logits[p + k] /= total;
            }
        }
        return logits;
    }
}
