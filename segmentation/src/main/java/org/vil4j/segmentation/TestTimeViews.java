package org.vil4j.segmentation;

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
 */
public final class TestTimeViews {
    /** One view: mirrored or not, then moved down by {@code dy} and right by {@code dx} pixels. */
    record View(boolean mirror, int dy, int dx) {
    }

    private final List<View> views;
    private final float[] background;

    private TestTimeViews(List<View> views, float[] background) {
        this.views = views;
        this.background = background;
    }

    /**
     * The views a comma-separated {@code spec} names ({@code flip}, {@code shift}, both), for a backbone of patch
     * {@code patch}; {@code background} is each channel's normalised value of a black pixel (what moves in). Always
     * with the image itself.
     */
    public static TestTimeViews parse(String spec, int patch, float[] background) {
        Set<String> names = new LinkedHashSet<>();
        for (String name : spec.split(",")) {
            String n = name.strip().toLowerCase(Locale.ROOT);
            if (!n.equals("flip") && !n.equals("shift")) {
                throw new Vil4jException("--test-views: '" + name.strip() + "' is neither flip nor shift (e.g. "
                        + "flip,shift)");
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
        }
        return new TestTimeViews(List.copyOf(views), background.clone());
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
            float[] probabilities = probabilities(model, render(view, images, batch, channels, height, width),
                    batch, height, width, classes);
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

    /** Softmax over the classes of each pixel's logits, {@code [B, H, W, classes]}. */
    private static float[] probabilities(SegmentationModel model, float[] images, int batch, int height, int width,
                                         int classes) {
        float[] logits = SegmentationTrainer.logits(model, images, batch, height, width);
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
