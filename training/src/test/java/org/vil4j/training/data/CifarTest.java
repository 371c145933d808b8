package org.vil4j.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarTest {
    private static final int IMAGE = 3 * 32 * 32;

    @TempDir
    Path directory;

    /** Records whose label bytes are {@code labels[record]} and whose pixels are a pattern salted by {@code salt}. */
    private static byte[] records(int[][] labels, int salt) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int[] recordLabels : labels) {
            for (int label : recordLabels) {
                out.write(label);
            }
            out.writeBytes(IdxTestFiles.pattern(IMAGE, salt++));
        }
        return out.toByteArray();
    }

    private static List<String> names(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i).collect(Collectors.toList());
    }

    private void writeCifar10(Path root) throws IOException {
        Files.createDirectories(root);
        Files.write(root.resolve("batches.meta.txt"), (String.join("\n", names("class", 10)) + "\n\n").getBytes());
        for (int batch = 1; batch <= 5; batch++) {
            Files.write(root.resolve("data_batch_" + batch + ".bin"),
                    records(new int[][] {{batch}, {9 - batch}}, 10 * batch));
        }
        Files.write(root.resolve("test_batch.bin"), records(new int[][] {{0}, {1}, {2}}, 100));
    }

    @Test
    void cifar10ReadsTheFiveTrainingBatchesInOrder() throws IOException {
        writeCifar10(directory);

        Dataset train = Cifar.cifar10(directory, true);

        assertThat(train.name()).isEqualTo("cifar-10/train");
        assertThat(train.size()).isEqualTo(10);
        assertThat(new int[] {train.channels(), train.height(), train.width()}).containsExactly(3, 32, 32);
        assertThat(train.classNames()).isEqualTo(names("class", 10));
        assertThat(IntStream.range(0, 10).map(train::label).toArray()).containsExactly(1, 8, 2, 7, 3, 6, 4, 5, 5, 4);
        float[] image = new float[IMAGE];
        train.image(2, image, 0); // first record of data_batch_2, salted 20
        byte[] expected = IdxTestFiles.pattern(IMAGE, 20);
        for (int i : new int[] {0, 1024, 2048, IMAGE - 1}) {
            assertThat(image[i]).isEqualTo(Byte.toUnsignedInt(expected[i]) / 255f);
        }
        assertThat(Cifar.cifar10(directory, false).size()).isEqualTo(3);
    }

    @Test
    void cifar10FindsTheArchiveFolder() throws IOException {
        writeCifar10(directory.resolve("cifar-10-batches-bin"));

        assertThat(Cifar.cifar10(directory, false).size()).isEqualTo(3);
    }

    @Test
    void cifar100KeepsTheFineLabel() throws IOException {
        Files.write(directory.resolve("fine_label_names.txt"), String.join("\n", names("fine", 100)).getBytes());
        Files.write(directory.resolve("train.bin"), records(new int[][] {{19, 99}, {0, 42}}, 0));
        Files.write(directory.resolve("test.bin"), records(new int[][] {{3, 7}}, 5));

        Dataset train = Cifar.cifar100(directory, true);

        assertThat(train.name()).isEqualTo("cifar-100/train");
        assertThat(train.classes()).isEqualTo(100);
        assertThat(train.label(0)).isEqualTo(99);
        assertThat(train.label(1)).isEqualTo(42);
        float[] image = new float[IMAGE];
        train.image(1, image, 0);
        assertThat(image[5]).isEqualTo(Byte.toUnsignedInt(IdxTestFiles.pattern(IMAGE, 1)[5]) / 255f);
        assertThat(Cifar.cifar100(directory, false).label(0)).isEqualTo(7);
    }

    @Test
    void aFileThatIsNotWholeRecordsIsNamed() throws IOException {
        writeCifar10(directory);
        Path broken = directory.resolve("test_batch.bin");
        byte[] whole = Files.readAllBytes(broken);
        Files.write(broken, Arrays.copyOf(whole, whole.length - 100));

        assertThatThrownBy(() -> Cifar.cifar10(directory, false)).isInstanceOf(DatasetException.class)
                .hasMessageContaining(broken.toString()).hasMessageContaining("3073-byte records");
    }

    @Test
    void aLabelOutsideTheClassesIsNamed() throws IOException {
        writeCifar10(directory);
        Path broken = directory.resolve("data_batch_3.bin");
        Files.write(broken, records(new int[][] {{0}, {10}}, 0));

        assertThatThrownBy(() -> Cifar.cifar10(directory, true)).isInstanceOf(DatasetException.class)
                .hasMessageContaining(broken.toString()).hasMessageContaining("record 1 has label 10");
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        writeCifar10(directory);
        Files.delete(directory.resolve("data_batch_4.bin"));

        assertThatThrownBy(() -> Cifar.cifar10(directory, true)).isInstanceOf(DatasetException.class)
                .hasMessageContaining(directory.resolve("data_batch_4.bin").toString())
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> Cifar.cifar100(directory, true)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("fine_label_names.txt").hasMessageContaining("does not exist");
    }
}
