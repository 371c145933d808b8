package org.vil4j.training.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 and CIFAR-100 in their binary distributions ({@code cifar-10-batches-bin}, {@code cifar-100-binary}):
 * fixed-size records of label byte(s) followed by 3072 bytes, the 32x32 R, G and B planes, which is already the CHW
 * layout the loader wants.
 */
public final class Cifar {
    public static final int SIDE = 32;
    private static final int IMAGE_BYTES = 3 * SIDE * SIDE;
    private static final int CIFAR100_COARSE_CLASSES = 20;

    private Cifar() {
    }

    /**
     * CIFAR-10 from {@code directory} (or its {@code cifar-10-batches-bin} sub-folder): {@code data_batch_1..5.bin}
     * for training, {@code test_batch.bin} for testing, class names from {@code batches.meta.txt}.
     */
    public static Dataset cifar10(Path directory, boolean train) {
        Path root = unpackedFolder(directory, "cifar-10-batches-bin", "batches.meta.txt");
        List<Path> files = new ArrayList<>();
        if (train) {
            for (int batch = 1; batch <= 5; batch++) {
                files.add(root.resolve("data_batch_" + batch + ".bin"));
            }
        } else {
            files.add(root.resolve("test_batch.bin"));
        }
        List<String> classes = classNames(root.resolve("batches.meta.txt"), 10);
        return read("cifar-10/" + split(train), files, 1, 0, classes);
    }

    /**
     * CIFAR-100 from {@code directory} (or its {@code cifar-100-binary} sub-folder): {@code train.bin} or
     * {@code test.bin}, labelled with the 100 fine classes named in {@code fine_label_names.txt}.
     */
    public static Dataset cifar100(Path directory, boolean train) {
        Path root = unpackedFolder(directory, "cifar-100-binary", "fine_label_names.txt");
        List<String> classes = classNames(root.resolve("fine_label_names.txt"), 100);
        return read("cifar-100/" + split(train), List.of(root.resolve(train ? "train.bin" : "test.bin")), 2, 1,
                classes);
    }

    private static String split(boolean train) {
        return train ? "train" : "test";
    }

    /** Accepts both the folder the archive was unpacked into and the folder the archive creates. */
    private static Path unpackedFolder(Path directory, String archiveFolder, String marker) {
        Path nested = directory.resolve(archiveFolder);
        return !Files.exists(directory.resolve(marker)) && Files.isDirectory(nested) ? nested : directory;
    }

    private static List<String> classNames(Path file, int expected) {
        List<String> names = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    names.add(line.strip());
                }
            }
        } catch (NoSuchFileException e) {
            throw new DatasetException("CIFAR class-name file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new DatasetException("cannot read the CIFAR class names " + file + ": " + e, e);
        }
        if (names.size() != expected) {
            throw new DatasetException(file + " names " + names.size() + " classes; expected " + expected);
        }
        return names;
    }

    /**
     * @param labelBytes bytes before each image (CIFAR-100: coarse, fine)
     * @param labelPosition which of them is the label to keep
     */
    private static Dataset read(String name, List<Path> files, int labelBytes, int labelPosition,
                                List<String> classNames) {
        int recordBytes = labelBytes + IMAGE_BYTES;
        long records = 0;
        for (Path file : files) {
            records += recordCount(file, recordBytes);
        }
        if (records * IMAGE_BYTES > Integer.MAX_VALUE) {
            throw new DatasetException(name + ": " + records + " images are too many to hold in memory");
        }
        byte[] pixels = new byte[(int) (records * IMAGE_BYTES)];
        byte[] labels = new byte[(int) records];
        byte[] labelRecord = new byte[labelBytes];
        int image = 0;
        for (Path file : files) {
            try (InputStream input = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                long count = recordCount(file, recordBytes);
                for (long record = 0; record < count; record++, image++) {
                    if (input.readNBytes(labelRecord, 0, labelBytes) < labelBytes
                            || input.readNBytes(pixels, image * IMAGE_BYTES, IMAGE_BYTES) < IMAGE_BYTES) {
                        throw new DatasetException(file + " is truncated at record " + record + " (did it change"
                                + " while being read?)");
                    }
                    checkLabels(file, record, labelRecord, labelPosition, classNames.size());
                    labels[image] = labelRecord[labelPosition];
                }
            } catch (IOException e) {
                throw new DatasetException("cannot read CIFAR file " + file + ": " + e, e);
            }
        }
        return new ByteImageDataset(name, 3, SIDE, SIDE, pixels, labels, classNames);
    }

    private static long recordCount(Path file, int recordBytes) {
        long length;
        try {
            length = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new DatasetException("CIFAR file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new DatasetException("CIFAR file " + file + " cannot be read: " + e, e);
        }
        if (length == 0 || length % recordBytes != 0) {
            throw new DatasetException(file + " has " + length + " bytes, not a whole number of " + recordBytes
                    + "-byte records (" + (recordBytes - IMAGE_BYTES) + " label byte(s) + " + IMAGE_BYTES
                    + " pixel bytes): truncated, or not a CIFAR" + (recordBytes == IMAGE_BYTES + 1 ? "-10" : "-100")
                    + " binary batch");
        }
        return length / recordBytes;
    }

    private static void checkLabels(Path file, long record, byte[] labelRecord, int labelPosition, int classes) {
        int label = Byte.toUnsignedInt(labelRecord[labelPosition]);
        if (label >= classes) {
            throw new DatasetException(file + ": record " + record + " has label " + label + ", not one of the "
                    + classes + " classes");
        }
        if (labelRecord.length == 2 && Byte.toUnsignedInt(labelRecord[0]) >= CIFAR100_COARSE_CLASSES) {
            throw new DatasetException(file + ": record " + record + " has coarse label "
                    + Byte.toUnsignedInt(labelRecord[0]) + ", not one of the " + CIFAR100_COARSE_CLASSES
                    + " super-classes");
        }
    }
}
