package org.vil4j.training.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST: a big-endian magic ({@code 0x00000803} for uint8 images
 * {@code [n, rows, columns]}, {@code 0x00000801} for uint8 labels {@code [n]}), the dimensions as int32, then the
 * bytes. Files may be gzip-compressed; compression is recognised from the content, not the name.
 */
public final class IdxFiles {
    public static final int IMAGES_MAGIC = 0x00000803;
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int GZIP_MAGIC = 0x1f8b;

    /** The images of one IDX file: {@code count} images of {@code rows x columns} bytes, row-major, one after another. */
    public record Images(Path source, int count, int rows, int columns, byte[] pixels) {
    }

    private IdxFiles() {
    }

    public static Images readImages(Path file) {
        return readImages(file, null);
    }

    /**
     * Images whose header is checked before any pixel is read (inflated): a gzip bomb announcing millions of images
     * is refused by its header, not after inflating gigabytes.
     *
     * @param expect the header an accompanying file implies (count and image size; -1: any), or null
     */
    public static Images readImages(Path file, Expected expect) {
        return read(file, IMAGES_MAGIC, (input, compressed) -> {
            int count = dimension(file, input, "image count");
            int rows = dimension(file, input, "row count");
            int columns = dimension(file, input, "column count");
            if (expect != null) {
                expect.check(file, count, rows, columns);
            }
            // three ints multiply past a long: count * rows first (fits), then check before the last factor
            long perImage = (long) rows * columns;
            long length = perImage == 0 ? 0 : count > (Integer.MAX_VALUE - 16) / perImage ? Long.MAX_VALUE
                    : count * perImage;
            if (length > Integer.MAX_VALUE - 16) {
                throw new DatasetException(file + ": " + count + " images of " + rows + "x" + columns
                        + " are too many to hold in memory");
            }
            if (!compressed) {
                expectFileLength(file, 16 + length);
            }
            return new Images(file, count, rows, columns, body(file, input, (int) length));
        });
    }

    /** Labels as unsigned bytes; the caller checks them against its class count. */
    public static byte[] readLabels(Path file) {
        return read(file, LABELS_MAGIC, (input, compressed) -> {
            int count = dimension(file, input, "label count");
            if (!compressed) {
                expectFileLength(file, 8 + (long) count);
            }
            return body(file, input, count);
        });
    }

    /**
     * What an image file's header must announce, known from elsewhere (the labels file, the dataset's image size).
     *
     * @param count   images (-1: any)
     * @param labels  the labels file that gave the count, for the message
     * @param rows    rows of each image (-1: any)
     * @param columns columns of each image (-1: any)
     * @param dataset the dataset whose image size that is, for the message
     */
    public record Expected(int count, Path labels, int rows, int columns, String dataset) {
        void check(Path file, int actualCount, int actualRows, int actualColumns) {
            if (rows >= 0 && actualRows != rows || columns >= 0 && actualColumns != columns) {
                throw new DatasetException(file + " holds " + actualRows + "x" + actualColumns + " images; "
                        + dataset + "'s are " + rows + "x" + columns);
            }
            if (count >= 0 && actualCount != count) {
                throw new DatasetException("count mismatch: " + file + " holds " + actualCount + " images but "
                        + labels + " holds " + count + " labels (checked before reading the images)");
            }
        }
    }

    private interface BodyReader<T> {
        T read(DataInputStream input, boolean compressed) throws IOException;
    }

    private static <T> T read(Path file, int expectedMagic, BodyReader<T> reader) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int first = raw.read();
            int second = raw.read();
            raw.reset();
            boolean compressed = ((first << 8) | second) == GZIP_MAGIC;
            InputStream content = compressed ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
            DataInputStream input = new DataInputStream(content);
            int magic;
            try {
                magic = input.readInt();
            } catch (EOFException e) {
                throw new DatasetException(file + " is truncated: it ends before the 4-byte IDX magic");
            }
            if (magic != expectedMagic) {
                throw new DatasetException(String.format("%s has the wrong magic 0x%08x: an IDX %s file starts with"
                        + " 0x%08x", file, magic, expectedMagic == IMAGES_MAGIC ? "image" : "label", expectedMagic));
            }
            return reader.read(input, compressed);
        } catch (NoSuchFileException e) {
            throw new DatasetException("IDX file " + file + " does not exist", e);
        } catch (EOFException e) {
            throw new DatasetException(file + " is truncated: its gzip stream ends early (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            // a damaged gzip stream surfaces here (ZipException, or EOF inside the deflate data)
            throw new DatasetException("cannot read IDX file " + file + ": " + e, e);
        }
    }

    private static int dimension(Path file, DataInputStream input, String what) throws IOException {
        int value;
        try {
            value = input.readInt();
        } catch (EOFException e) {
            throw new DatasetException(file + " is truncated: it ends inside the header, before the " + what);
        }
        if (value < 0) {
            throw new DatasetException(file + ": the header's " + what + " " + value + " is negative");
        }
        return value;
    }

    private static void expectFileLength(Path file, long expected) throws IOException {
        long actual = Files.size(file);
        if (actual < expected) {
            throw new DatasetException(file + " is truncated: its header announces " + expected + " bytes but it has "
                    + actual);
        }
        if (actual > expected) {
            throw new DatasetException(file + " has " + (actual - expected) + " bytes after the " + expected
                    + " its header announces");
        }
    }

    /** Reads exactly {@code length} bytes and checks that nothing follows (compressed files cannot be sized up front). */
    private static byte[] body(Path file, InputStream input, int length) throws IOException {
        byte[] data = input.readNBytes(length);
        if (data.length < length) {
            throw new DatasetException(file + " is truncated: its header announces " + length + " data bytes but it has "
                    + data.length);
        }
        if (input.read() != -1) {
            throw new DatasetException(file + " has data after the " + length + " bytes its header announces");
        }
        return data;
    }
}
