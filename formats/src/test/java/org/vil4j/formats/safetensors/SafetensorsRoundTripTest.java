package org.vil4j.formats.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Vil4jException;

class SafetensorsRoundTripTest {
    @TempDir
    Path directory;

    @Test
    void roundTripsF32F64I64AndMetadata() {
        float[] weight = {1f, -2f, 3.5f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN};
        double[] bias = {0.1, -0.0, Double.MAX_VALUE, Double.NEGATIVE_INFINITY};
        long[] labels = {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE};
        byte[] bytes = new SafetensorsWriter()
                .metadata("format", "pt")
                .metadata("note", "ünïcode \"quoted\" \\ back\nslash \u0001 😀")
                .putF32("weight", Shape.of(2, 3), weight)
                .putF64("bias", Shape.of(4), bias)
                .putI64("labels", Shape.of(2, 2), labels)
                .toBytes();

        SafetensorsFile file = SafetensorsFile.parse(bytes, "round-trip");

        assertThat(file.names()).containsExactly("bias", "labels", "weight");
        assertThat(file.entry("weight").dtype()).isEqualTo(DType.F32);
        assertThat(file.entry("weight").shape()).isEqualTo(Shape.of(2, 3));
        assertThat(file.entry("bias").dtype()).isEqualTo(DType.F64);
        assertThat(file.entry("labels").dtype()).isEqualTo(DType.I64);
        assertThat(file.entry("labels").shape()).isEqualTo(Shape.of(2, 2));
        assertThat(file.floats("weight")).containsExactly(weight);
        assertThat(file.doubles("bias")).containsExactly(bias);
        assertThat(file.longs("labels")).containsExactly(labels);
        assertThat(file.metadata()).containsExactly(
                Map.entry("format", "pt"),
                Map.entry("note", "ünïcode \"quoted\" \\ back\nslash \u0001 😀"));
    }

    @Test
    void layoutIsSortedContiguousAndHeaderPaddedToEightBytes() {
        byte[] bytes = new SafetensorsWriter()
                .putF32("c", Shape.of(1), new float[] {3})
                .putF64("a", Shape.of(2), new double[] {1, 2})
                .putI64("b", Shape.of(3), new long[] {4, 5, 6})
                .metadata("z", "last")
                .metadata("m", "first")
                .toBytes();

        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertThat(headerLength % 8).isZero();
        assertThat(header).startsWith("{\"__metadata__\":{\"m\":\"first\",\"z\":\"last\"},\"a\":");
        assertThat(header.strip()).endsWith("}");
        assertThat(header.substring(header.strip().length())).matches(" *");

        SafetensorsFile file = SafetensorsFile.parse(bytes, "layout");
        assertThat(file.names()).containsExactly("a", "b", "c");
        assertThat(file.entry("a")).isEqualTo(new TensorEntry("a", DType.F64, Shape.of(2), 0, 16));
        assertThat(file.entry("b")).isEqualTo(new TensorEntry("b", DType.I64, Shape.of(3), 16, 40));
        assertThat(file.entry("c")).isEqualTo(new TensorEntry("c", DType.F32, Shape.of(1), 40, 44));
        assertThat(bytes).hasSize(8 + (int) headerLength + 44);
    }

    @Test
    void emptyWriterProducesAValidFileWithNoTensors() {
        byte[] bytes = new SafetensorsWriter().toBytes();

        assertThat(new String(bytes, 8, bytes.length - 8, StandardCharsets.UTF_8)).isEqualTo("{}      ");
        SafetensorsFile file = SafetensorsFile.parse(bytes, "empty");
        assertThat(file.names()).isEmpty();
        assertThat(file.metadata()).isEmpty();
    }

    @Test
    void scalarsEmptyTensorsAndUnusualNamesRoundTrip() {
        String oddName = "layer \"0\"\\weights\t/ü😀";
        byte[] bytes = new SafetensorsWriter()
                .putF32(oddName, Shape.of(1, 2), new float[] {1, 2})
                .putF64("scalar", Shape.of(new int[0]), new double[] {42})
                .putI64("nothing", Shape.of(0, 3), new long[0])
                .toBytes();

        SafetensorsFile file = SafetensorsFile.parse(bytes, "odd");
        assertThat(file.floats(oddName)).containsExactly(1, 2);
        assertThat(file.entry("scalar").shape().rank()).isZero();
        assertThat(file.doubles("scalar")).containsExactly(42);
        assertThat(file.entry("nothing").shape()).isEqualTo(Shape.of(0, 3));
        assertThat(file.longs("nothing")).isEmpty();
    }

    @Test
    void putCopiesTheCallersArray() {
        float[] data = {1, 2};
        SafetensorsWriter writer = new SafetensorsWriter().putF32("w", Shape.of(2), data);
        data[0] = 99;

        assertThat(SafetensorsFile.parse(writer.toBytes(), "copy").floats("w")).containsExactly(1, 2);
    }

    @Test
    void rejectsDataWhoseLengthDisagreesWithTheShape() {
        SafetensorsWriter writer = new SafetensorsWriter();

        assertThatThrownBy(() -> writer.putF32("w", Shape.of(2, 3), new float[5]))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessageContaining("'w'").hasMessageContaining("[2,3]").hasMessageContaining("5 values");
    }

    @Test
    void rejectsDuplicateAndReservedNames() {
        SafetensorsWriter writer = new SafetensorsWriter().putF64("w", Shape.of(1), new double[1]).metadata("k", "v");

        assertThatThrownBy(() -> writer.putI64("w", Shape.of(1), new long[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'w'");
        assertThatThrownBy(() -> writer.putF32("__metadata__", Shape.of(1), new float[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
        assertThatThrownBy(() -> writer.metadata("k", "again"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'k'");
        assertThatThrownBy(() -> writer.putF32("bad\uD800", Shape.of(1), new float[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("surrogate");
    }

    @Test
    void writeReplacesAnExistingFileAndLeavesNoTemporaryFile() throws Exception {
        Path target = directory.resolve("model.safetensors");
        Files.write(target, new byte[] {1, 2, 3});

        new SafetensorsWriter().putF32("w", Shape.of(3), new float[] {1, 2, 3}).write(target);

        assertThat(SafetensorsFile.open(target).floats("w")).containsExactly(1, 2, 3);
        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void failedWriteDeletesTheTemporaryFile() throws Exception {
        // A non-empty directory cannot be replaced by a file, so the final rename fails.
        Path target = directory.resolve("occupied.safetensors");
        Files.createDirectory(target);
        Files.write(target.resolve("keep"), new byte[] {1});

        SafetensorsWriter writer = new SafetensorsWriter().putF32("w", Shape.of(1), new float[] {1});

        assertThatThrownBy(() -> writer.write(target))
                .isInstanceOf(Vil4jException.class)
                .hasMessageContaining("occupied.safetensors");
        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void writeIntoAMissingDirectoryFailsNamingThePath() {
        Path target = directory.resolve("missing").resolve("model.safetensors");

        assertThatThrownBy(() -> new SafetensorsWriter().write(target))
                .isInstanceOf(Vil4jException.class)
                .hasMessageContaining("model.safetensors");
    }
}
