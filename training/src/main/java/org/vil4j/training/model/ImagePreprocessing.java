package org.vil4j.training.model;

import org.vil4j.api.Vil4jException;
import org.vil4j.training.data.ImageDecoding;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.nio.file.Path;

/**
 * The official evaluation transform (the repository's eval.py): torchvision Resize(S, BICUBIC) on a PIL image (the
 * shorter side to S, the longer to int(S * long / short)), CenterCrop(H, W), ToTensor, Normalize(ImageNet mean/std).
 *
 * <p>The resize reproduces Pillow's {@code Image.resize(BICUBIC)} on 8-bit RGB exactly as Pillow computes it
 * (Resample.c): a separable convolution, horizontal pass first, Keys cubic with a = -0.5 whose support widens with the
 * downscale factor (antialiasing), coefficients in 22-bit fixed point, each pass rounded and clipped to 8 bits. That is
 * what the published numbers were measured with; torch's tensor bicubic (a = -0.75, no antialiasing) would differ.
 * Images are decoded by ImageIO (JPEG, PNG): JPEG decoders may differ from libjpeg by a level here and there.
 */
public final class ImagePreprocessing {
    public static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] STD = {0.229f, 0.224f, 0.225f};
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private ImagePreprocessing() {
    }

    /** 8-bit RGB pixels, [h][w*3] interleaved. */
    public record Rgb(int width, int height, int[] pixels) {
        public int at(int x, int y, int c) {
            return pixels[(y * width + x) * 3 + c];
        }
    }

    public static Rgb read(Path file) {
        return rgb(decode(file));
    }

    /** Decoded after its header's size was checked against {@code maxPixels}; damaged files are errors. */
    public static Rgb read(Path file, long maxPixels) {
        return rgb(decode(file, maxPixels));
    }

    /** The decoded image (default pixel limit); a one-line error naming the file when it cannot be read. */
    public static BufferedImage decode(Path file) {
        return decode(file, ImageDecoding.DEFAULT_MAX_PIXELS);
    }

    /** The decoded image, its size checked from the header against {@code maxPixels} before decoding. */
    public static BufferedImage decode(Path file, long maxPixels) {
        return ImageDecoding.read(file, maxPixels);
    }

    /** PIL's convert("RGB"): alpha dropped, gray replicated (not colour-managed). */
    public static Rgb rgb(BufferedImage image) {
        int w = image.getWidth(), h = image.getHeight();
        int[] p = new int[w * h * 3];
        Raster raster = image.getRaster();
        boolean gray = image.getColorModel().getNumColorComponents() == 1 && raster.getNumBands() <= 2
                && raster.getSampleModel().getSampleSize(0) == 8;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                if (gray) {
                    int v = raster.getSample(x, y, 0);
                    p[i] = v;
                    p[i + 1] = v;
                    p[i + 2] = v;
                } else {
                    int argb = image.getRGB(x, y);
                    p[i] = (argb >> 16) & 0xFF;
                    p[i + 1] = (argb >> 8) & 0xFF;
                    p[i + 2] = argb & 0xFF;
                }
            }
        }
        return new Rgb(w, h, p);
    }

    /** Resize(shorter side to {@code resize}) + CenterCrop(cropH, cropW) + ToTensor + Normalize: [3, cropH, cropW]. */
    public static float[] evalTransform(Rgb image, int resize, int cropH, int cropW) {
        return evalTransform(image, resize, cropH, cropW, MEAN, STD);
    }

    /** {@link #evalTransform(Rgb, int, int, int)} with another mean and std. */
    public static float[] evalTransform(Rgb image, int resize, int cropH, int cropW, float[] mean, float[] std) {
        int w = image.width(), h = image.height();
        int newW, newH;
        if (w <= h) {
            newW = resize;
            newH = (int) ((long) resize * h / w);
        } else {
            newH = resize;
            newW = (int) ((long) resize * w / h);
        }
        Rgb resized = resize(image, newW, newH);
        if (cropH > resized.height() || cropW > resized.width()) {
            throw new Vil4jException("image resized to " + resized.width() + "x" + resized.height()
                    + " is smaller than the " + cropW + "x" + cropH + " crop");
        }
        int top = (int) Math.rint((resized.height() - cropH) / 2.0);
        int left = (int) Math.rint((resized.width() - cropW) / 2.0);
        float[] out = new float[3 * cropH * cropW];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < cropH; y++) {
                for (int x = 0; x < cropW; x++) {
                    float v = resized.at(left + x, top + y, c) / 255f;
                    out[(c * cropH + y) * cropW + x] = (v - mean[c]) / std[c];
                }
            }
        }
        return out;
    }

    /** Pillow's Image.resize((w, h), BICUBIC) on RGB: horizontal pass, then vertical, each only when needed. */
    public static Rgb resize(Rgb in, int outW, int outH) {
        Rgb out = in;
        if (outW != in.width()) {
            out = pass(out, outW, true);
        }
        if (outH != in.height()) {
            out = pass(out, outH, false);
        }
        return out;
    }

    private static Rgb pass(Rgb in, int outSize, boolean horizontal) {
        int inSize = horizontal ? in.width() : in.height();
        int other = horizontal ? in.height() : in.width();
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = 2.0 * filterScale;
        int w = horizontal ? outSize : in.width(), h = horizontal ? in.height() : outSize;
        int[] p = new int[w * h * 3];
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int min = Math.max((int) (center - support + 0.5), 0);
            int max = Math.min((int) (center + support + 0.5), inSize) - min;
            double[] k = new double[Math.max(max, 0)];
            double sum = 0;
            for (int x = 0; x < max; x++) {
                k[x] = cubic((x + min - center + 0.5) * ss);
                sum += k[x];
            }
            int[] fixed = new int[k.length];
            for (int x = 0; x < k.length; x++) {
                double v = sum != 0 ? k[x] / sum : k[x];
                fixed[x] = (int) (v < 0 ? v * (1 << PRECISION_BITS) - 0.5 : v * (1 << PRECISION_BITS) + 0.5);
            }
            for (int j = 0; j < other; j++) {
                for (int c = 0; c < 3; c++) {
                    long acc = 1L << (PRECISION_BITS - 1);
                    for (int x = 0; x < fixed.length; x++) {
                        int src = horizontal ? in.at(min + x, j, c) : in.at(j, min + x, c);
                        acc += (long) src * fixed[x];
                    }
                    int v = (int) (acc >> PRECISION_BITS);
                    int dst = horizontal ? (j * w + o) * 3 + c : (o * w + j) * 3 + c;
                    p[dst] = Math.min(Math.max(v, 0), 255);
                }
            }
        }
        return new Rgb(w, h, p);
    }

    /** Pillow's bicubic_filter, a = -0.5. */
    static double cubic(double x) {
        double a = -0.5;
        x = Math.abs(x);
        if (x < 1) {
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }
        if (x < 2) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0;
    }
}
