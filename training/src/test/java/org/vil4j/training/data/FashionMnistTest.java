package org.vil4j.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    @TempDir
    Path directory;

    @Test
    void readsBothSplitsFromCompressedFiles() throws IOException {
        IdxTestFiles.writeFashionMnist(directory, 12, 5, true);

        Dataset train = FashionMnist.train(directory);
        Dataset test = FashionMnist.test(directory);

        assertThat(train.name()).isEqualTo("fashion-mnist/train");
        assertThat(train.size()).isEqualTo(12);
        assertThat(test.size()).isEqualTo(5);
        assertThat(new int[] {train.channels(), train.height(), train.width()}).containsExactly(1, 28, 28);
        assertThat(train.classNames()).hasSize(10).startsWith("T-shirt/top").endsWith("Ankle boot");
        assertThat(train.label(11)).isEqualTo(1);
        float[] image = new float[2 + 784];
        train.image(1, image, 2);
        byte[] expected = IdxTestFiles.pattern(12 * 784, 1);
        assertThat(image[2]).isEqualTo(Byte.toUnsignedInt(expected[784]) / 255f);
        assertThat(image[2 + 783]).isEqualTo(Byte.toUnsignedInt(expected[2 * 784 - 1]) / 255f);
    }

    @Test
    void readsPlainFiles() throws IOException {
        IdxTestFiles.writeFashionMnist(directory, 3, 2, false);

        assertThat(FashionMnist.test(directory).size()).isEqualTo(2);
    }

    @Test
    void aLabelCountMismatchNamesBothFiles() throws IOException {
        IdxTestFiles.writeFashionMnist(directory, 4, 2, false);
        Path labels = directory.resolve("train-labels-idx1-ubyte");
        IdxTestFiles.write(labels, IdxTestFiles.labelsBytes(IdxTestFiles.cycle(3)), false);

        assertThatThrownBy(() -> FashionMnist.train(directory)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("count mismatch").hasMessageContaining(labels.toString())
                .hasMessageContaining("train-images-idx3-ubyte").hasMessageContaining("4 images")
                .hasMessageContaining("3 labels");
    }

    @Test
    void aLabelOutsideTheTenClassesIsNamed() throws IOException {
        IdxTestFiles.writeFashionMnist(directory, 2, 2, false);
        Path labels = directory.resolve("t10k-labels-idx1-ubyte");
        IdxTestFiles.write(labels, IdxTestFiles.labelsBytes(new byte[] {3, 10}), false);

        assertThatThrownBy(() -> FashionMnist.test(directory)).isInstanceOf(DatasetException.class)
                .hasMessageContaining(labels.toString()).hasMessageContaining("label 10 at index 1");
    }

    @Test
    void locatePrefersTheOptionThenTheEnvironmentThenTheSystemFolder() throws IOException {
        Path option = Files.createDirectories(directory.resolve("option"));
        Path environment = Files.createDirectories(directory.resolve("environment/fashion-mnist"));
        Path system = Files.createDirectories(directory.resolve("system"));
        IdxTestFiles.writeFashionMnist(option, 1, 1, true);
        IdxTestFiles.writeFashionMnist(environment, 1, 1, false);
        IdxTestFiles.writeFashionMnist(system, 1, 1, true);

        assertThat(FashionMnist.locate(option.toString(), environment.getParent().toString(), system))
                .isEqualTo(option);
        assertThat(FashionMnist.locate(null, environment.getParent().toString(), system)).isEqualTo(environment);
        assertThat(FashionMnist.locate("", null, system)).isEqualTo(system);
    }

    @Test
    void locateSaysWhereItLookedAndHowToGetTheFiles() throws IOException {
        Path empty = Files.createDirectories(directory.resolve("empty"));
        Path system = directory.resolve("no-system-folder");

        assertThatThrownBy(() -> FashionMnist.locate(null, empty.toString(), system))
                .isInstanceOf(DatasetException.class).hasMessageContaining(empty.toString())
                .hasMessageContaining(system.toString()).hasMessageContaining("apt-get install dataset-fashion-mnist");
        assertThatThrownBy(() -> FashionMnist.locate(empty.toString(), null, system))
                .isInstanceOf(DatasetException.class).hasMessageContaining(empty.toString())
                .hasMessageNotContaining(system.toString() + ",");
    }

    /** The real files from the Debian package, when this machine has them. */
    @Test
    void theInstalledDatasetHasTheKnownSizesAndBalancedClasses() {
        assumeThat(Files.isDirectory(FashionMnist.SYSTEM_DIRECTORY)).as("dataset-fashion-mnist installed").isTrue();

        Dataset train = FashionMnist.train(FashionMnist.SYSTEM_DIRECTORY);
        Dataset test = FashionMnist.test(FashionMnist.SYSTEM_DIRECTORY);

        assertThat(train.size()).isEqualTo(60_000);
        assertThat(test.size()).isEqualTo(10_000);
        int[] trainHistogram = new int[10];
        int[] testHistogram = new int[10];
        for (int i = 0; i < train.size(); i++) {
            trainHistogram[train.label(i)]++;
        }
        for (int i = 0; i < test.size(); i++) {
            testHistogram[test.label(i)]++;
        }
        assertThat(trainHistogram).containsOnly(6000);
        assertThat(testHistogram).containsOnly(1000);
        float[] image = new float[784];
        train.image(0, image, 0);
        for (float value : image) {
            assertThat(value).isBetween(0f, 1f);
        }
        assertThat(image).contains(0f);
    }

    @Test
    void anImagesHeaderThatDisagreesWithTheLabelsIsRefusedBeforeInflatingThePixels() throws IOException {
        IdxTestFiles.writeFashionMnist(directory, 4, 2, true);
        // a bomb: the header announces a million images; only the header and a little of the body are there, so any
        // attempt to inflate the pixels ends in a truncation error instead of the count check
        byte[] header = IdxTestFiles.imagesBytes(1_000_000, 28, 28, new byte[200_000]);
        Path images = directory.resolve("train-images-idx3-ubyte.gz");
        IdxTestFiles.write(images, header, true);
        byte[] compressed = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(compressed, compressed.length / 2));

        assertThatThrownBy(() -> FashionMnist.train(directory)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("count mismatch").hasMessageContaining("1000000 images")
                .hasMessageContaining("4 labels").hasMessageContaining("train-labels-idx1-ubyte");
    }
}
