package org.vil4j.training.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes IDX files for tests, optionally gzip-compressed. */
final class IdxTestFiles {
    private IdxTestFiles() {
    }

    static byte[] imagesBytes(int count, int rows, int columns, byte[] pixels) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(IdxFiles.IMAGES_MAGIC);
        out.writeInt(count);
        out.writeInt(rows);
        out.writeInt(columns);
        out.write(pixels);
        return bytes.toByteArray();
    }

    static byte[] labelsBytes(byte[] labels) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(IdxFiles.LABELS_MAGIC);
        out.writeInt(labels.length);
        out.write(labels);
        return bytes.toByteArray();
    }

    static Path write(Path file, byte[] content, boolean gzip) throws IOException {
        if (!gzip) {
            return Files.write(file, content);
        }
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content);
        }
        return file;
    }

    /** Pixel values that differ from image to image and from place to place. */
    static byte[] pattern(int length, int salt) {
        byte[] values = new byte[length];
        for (int i = 0; i < length; i++) {
            values[i] = (byte) (i * 7 + salt * 13);
        }
        return values;
    }

    /** A Fashion-MNIST-shaped train and test split in {@code directory}. */
    static void writeFashionMnist(Path directory, int trainCount, int testCount, boolean gzip) throws IOException {
        String suffix = gzip ? ".gz" : "";
        int image = 28 * 28;
        write(directory.resolve("train-images-idx3-ubyte" + suffix),
                imagesBytes(trainCount, 28, 28, pattern(trainCount * image, 1)), gzip);
        write(directory.resolve("train-labels-idx1-ubyte" + suffix), labelsBytes(cycle(trainCount)), gzip);
        write(directory.resolve("t10k-images-idx3-ubyte" + suffix),
                imagesBytes(testCount, 28, 28, pattern(testCount * image, 2)), gzip);
        write(directory.resolve("t10k-labels-idx1-ubyte" + suffix), labelsBytes(cycle(testCount)), gzip);
    }

    static byte[] cycle(int count) {
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) (i % 10);
        }
        return labels;
    }
}
