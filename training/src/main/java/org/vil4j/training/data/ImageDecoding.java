package org.vil4j.training.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes an image file (JPEG, PNG, ...) through ImageIO with the checks ImageIO leaves out: the size is read from the
 * header and held against a pixel limit before anything is decoded (a 30000 x 30000 header would otherwise allocate
 * gigabytes and overflow int sizes), and a damaged or truncated file is an error naming it (ImageIO's JPEG reader only
 * warns and fills the missing part with grey; a PNG whose data ends early may decode partly).
 */
public final class ImageDecoding {
    /** The default pixel limit: 100 megapixels (Pillow warns at 89 and refuses at 179). */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;
    /** The largest limit that may be set: three ints a pixel must fit one Java array. */
    public static final long MAX_MAX_PIXELS = (Integer.MAX_VALUE - 8) / 3;
    /** The option that raises the limit, named in messages. */
    public static final String OPTION = "--max-image-pixels";
    /** Read warnings that mean pixels were made up: truncated or corrupt data. */
    private static final java.util.regex.Pattern DAMAGE = java.util.regex.Pattern.compile(
            "premature end|corrupt|truncat|missing eoi|unexpected end|bogus|huffman|not enough|insufficient",
            java.util.regex.Pattern.CASE_INSENSITIVE);

    private ImageDecoding() {
    }

    /** Checks a pixel limit given by the user. */
    public static long checkLimit(long maxPixels) {
        if (maxPixels < 1 || maxPixels > MAX_MAX_PIXELS) {
            throw new DatasetException(OPTION + " must be between 1 and " + MAX_MAX_PIXELS + ", got " + maxPixels);
        }
        return maxPixels;
    }

    /**
     * The decoded image.
     *
     * @throws DatasetException "cannot read image FILE: ..." for a missing, unknown, damaged, truncated or too large file
     */
    public static BufferedImage read(Path file, long maxPixels) {
        if (!Files.isRegularFile(file)) {
            throw fail(file, "no such file");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw fail(file, "cannot open it");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw fail(file, "not a JPEG or PNG (no ImageIO reader recognises it)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long width = reader.getWidth(0);
                long height = reader.getHeight(0);
                if (width < 1 || height < 1) {
                    throw fail(file, "its header gives a size of " + width + "x" + height);
                }
                if (width * height > maxPixels) {
                    throw fail(file, String.format(Locale.ROOT, "%dx%d = %,d pixels, more than the limit of %,d "
                            + "(raise it with %s)", width, height, width * height, maxPixels, OPTION));
                }
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener(new IIOReadWarningListener() {
                    @Override
                    public void warningOccurred(ImageReader source, String warning) {
                        // only warnings of missing or corrupt data: TwelveMonkeys also notes harmless quirks (an
                        // Adobe marker it ignores in a valid YCCK JPEG, say)
                        if (DAMAGE.matcher(warning).find()) {
                            warnings.add(warning);
                        }
                    }
                });
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw fail(file, "damaged or truncated (" + String.join("; ", warnings) + ")");
                }
                if (image == null || image.getWidth() != width || image.getHeight() != height) {
                    throw fail(file, "damaged (the decoded size differs from the header's)");
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (DatasetException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (e.getCause() != null && e.getCause().getMessage() != null) {
                message += " (" + e.getCause().getMessage() + ")";
            }
            throw fail(file, "damaged or truncated: " + message);
        }
    }

    private static DatasetException fail(Path file, String reason) {
        return new DatasetException("cannot read image " + file + ": " + reason);
    }
}
