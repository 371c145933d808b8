package org.vil4j.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.vil4j.api.Vil4jException;

class IdxFilesTest {
    @TempDir
    Path directory;

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void imagesAndLabelsRoundTrip(boolean gzip) throws IOException {
        byte[] pixels = IdxTestFiles.pattern(3 * 4 * 5, 0);
        Path images = IdxTestFiles.write(directory.resolve("images"), IdxTestFiles.imagesBytes(3, 4, 5, pixels), gzip);
        Path labels = IdxTestFiles.write(directory.resolve("labels"),
                IdxTestFiles.labelsBytes(new byte[] {2, 0, (byte) 200}), gzip);

        IdxFiles.Images read = IdxFiles.readImages(images);

        assertThat(read.count()).isEqualTo(3);
        assertThat(read.rows()).isEqualTo(4);
        assertThat(read.columns()).isEqualTo(5);
        assertThat(read.pixels()).isEqualTo(pixels);
        assertThat(IdxFiles.readLabels(labels)).containsExactly(2, 0, (byte) 200);
    }

    @Test
    void wrongMagicIsNamed() throws IOException {
        Path labels = IdxTestFiles.write(directory.resolve("labels"), IdxTestFiles.labelsBytes(new byte[] {1}), false);

        assertThatThrownBy(() -> IdxFiles.readImages(labels))
                .isInstanceOf(DatasetException.class).isInstanceOf(Vil4jException.class)
                .hasMessageContaining(labels.toString()).hasMessageContaining("wrong magic 0x00000801");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void truncatedImagesAreNamed(boolean gzip) throws IOException {
        byte[] whole = IdxTestFiles.imagesBytes(2, 3, 3, IdxTestFiles.pattern(18, 0));
        Path file = IdxTestFiles.write(directory.resolve("short"), Arrays.copyOf(whole, whole.length - 1), gzip);

        assertThatThrownBy(() -> IdxFiles.readImages(file))
                .isInstanceOf(DatasetException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void aTruncatedGzipStreamIsNamed() throws IOException {
        byte[] whole = IdxTestFiles.imagesBytes(2, 3, 3, IdxTestFiles.pattern(18, 0));
        Path complete = IdxTestFiles.write(directory.resolve("complete.gz"), whole, true);
        byte[] compressed = Files.readAllBytes(complete);
        Path file = Files.write(directory.resolve("cut.gz"), Arrays.copyOf(compressed, compressed.length / 2));

        assertThatThrownBy(() -> IdxFiles.readImages(file))
                .isInstanceOf(DatasetException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void aHeaderCutShortIsNamed() throws IOException {
        Path file = Files.write(directory.resolve("header"), new byte[] {0, 0, 8, 3, 0, 0});

        assertThatThrownBy(() -> IdxFiles.readImages(file))
                .isInstanceOf(DatasetException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("truncated").hasMessageContaining("header");
    }

    @Test
    void trailingBytesAreReported() throws IOException {
        byte[] whole = IdxTestFiles.labelsBytes(new byte[] {1, 2});
        Path file = Files.write(directory.resolve("long"), Arrays.copyOf(whole, whole.length + 3));

        assertThatThrownBy(() -> IdxFiles.readLabels(file))
                .isInstanceOf(DatasetException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("3 bytes after");
    }

    @Test
    void aMissingFileIsNamed() {
        Path file = directory.resolve("absent");

        assertThatThrownBy(() -> IdxFiles.readLabels(file))
                .isInstanceOf(DatasetException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void dimensionsWhoseProductOverflowsALongAreRefused(@org.junit.jupiter.api.io.TempDir Path dir)
            throws java.io.IOException {
        // found by Jazzer: 2^31-1 cubed wrapped around to a negative length
        for (int[] dims : new int[][] {{Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE},
                {Integer.MAX_VALUE, 65536, 65536}, {3, Integer.MAX_VALUE, 2}}) {
            Path file = IdxTestFiles.write(dir.resolve("images-" + dims[1]), IdxTestFiles.imagesBytes(dims[0], dims[1],
                    dims[2], new byte[0]), true);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> IdxFiles.readImages(file))
                    .isInstanceOf(DatasetException.class).hasMessageContaining("too many");
        }
    }
}
