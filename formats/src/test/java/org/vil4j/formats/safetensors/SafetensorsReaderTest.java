package org.vil4j.formats.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.Shape;
import org.vil4j.api.Vil4jException;

class SafetensorsReaderTest {
    @Test
    void convertsBetweenNumericTypes() {
        SafetensorsFile file = SafetensorsFile.parse(TestFiles.smallValidFile(), "small");

        assertThat(file.doubles("weight")).containsExactly(1, -2, 3.5, 0, (double) 1e-3f, -7);
        assertThat(file.floats("bias")).containsExactly(0.25f, -0.5f, 1e10f);
        assertThat(file.floats("labels")).containsExactly(6, 3);
        assertThat(file.doubles("labels")).containsExactly(6, 3);
        assertThat(file.contains("bias")).isTrue();
        assertThat(file.contains("missing")).isFalse();
    }

    @Test
    void decodesHalfPrecisionFloats() {
        // F16: 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal), +inf; BF16: 1.0, -3.0, NaN.
        byte[] f16 = TestFiles.shorts(0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00);
        byte[] bf16 = TestFiles.shorts(0x3F80, 0xC040, 0x7FC0);
        byte[] data = new byte[f16.length + bf16.length];
        System.arraycopy(f16, 0, data, 0, f16.length);
        System.arraycopy(bf16, 0, data, f16.length, bf16.length);
        SafetensorsFile file = SafetensorsFile.parse(TestFiles.withHeader(
                "{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]},"
                        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[10,16]}}", data), "halves");

        assertThat(file.floats("h")).containsExactly(1f, -2f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY);
        assertThat(file.doubles("h")).containsExactly(1, -2, 65504, 0x1p-24, Double.POSITIVE_INFINITY);
        assertThat(file.floats("b")[0]).isEqualTo(1f);
        assertThat(file.floats("b")[1]).isEqualTo(-3f);
        assertThat(file.floats("b")[2]).isNaN();
        assertThatThrownBy(() -> file.longs("h")).isInstanceOf(IncompatibleDTypeException.class);
    }

    @Test
    void decodesNarrowIntegerTypes() {
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(-5).putInt(7).putShort((short) -300).put((byte) -1).put((byte) 2).put((byte) 0xFF).put((byte) 1)
                .put((byte) 0).put((byte) 3);
        SafetensorsFile file = SafetensorsFile.parse(TestFiles.withHeader("{"
                + "\"i32\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[8,10]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[10,12]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[12,14]},"
                + "\"flags\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[14,16]}}", data.array()), "ints");

        assertThat(file.longs("i32")).containsExactly(-5, 7);
        assertThat(file.floats("i32")).containsExactly(-5, 7);
        assertThat(file.longs("i16")).containsExactly(-300);
        assertThat(file.longs("i8")).containsExactly(-1, 2);
        assertThat(file.longs("u8")).containsExactly(255, 1);
        assertThat(file.doubles("flags")).containsExactly(0, 1);
        assertThat(file.longs("flags")).containsExactly(0, 1);
    }

    @Test
    void missingTensorNamesTheTensorAndTheFile() {
        SafetensorsFile file = SafetensorsFile.parse(TestFiles.smallValidFile(), "small.safetensors");

        for (Runnable access : new Runnable[] {
            () -> file.entry("nope"), () -> file.floats("nope"), () -> file.doubles("nope"), () -> file.longs("nope")}) {
            assertThatThrownBy(access::run)
                    .isInstanceOf(TensorNotFoundException.class)
                    .hasMessageContaining("'nope'")
                    .hasMessageContaining("small.safetensors");
        }
    }

    @Test
    void longsOfAFloatTensorIsATypedError() {
        SafetensorsFile file = SafetensorsFile.parse(TestFiles.smallValidFile(), "small.safetensors");

        assertThatThrownBy(() -> file.longs("weight"))
                .isInstanceOf(IncompatibleDTypeException.class)
                .hasMessageContaining("'weight'").hasMessageContaining("F32").hasMessageContaining("small.safetensors");
    }

    @Test
    void acceptsHolesAndTrailingBytesBetweenTensors() {
        // The spec wants a gap-free buffer; the reader tolerates gaps as long as nothing overlaps.
        SafetensorsFile file = SafetensorsFile.parse(TestFiles.withHeader(
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,6]},"
                        + "\"b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[8,9]}}", 12), "holes");

        assertThat(file.longs("a")).containsExactly(4, 5);
        assertThat(file.longs("b")).containsExactly(8);
    }

    @Test
    void headerWhitespaceEscapesAndKeyOrderAreAccepted() {
        SafetensorsFile file = SafetensorsFile.parse(TestFiles.withHeader(
                " {\n\t\"__metadata__\" : {\"k\\u00fc\\/\" : \"v\\ud83d\\ude00\"} ,\r\n"
                        + " \"t\" : {\"data_offsets\" : [0, 4], \"shape\" : [ 2 , 2 ], \"dtype\" : \"U8\"} }   ", 4),
                "spaced");

        assertThat(file.metadata()).containsEntry("kü/", "v😀");
        assertThat(file.entry("t")).isEqualTo(new TensorEntry("t", DType.U8, Shape.of(2, 2), 0, 4));
    }

    @Test
    void bufferIsAReadOnlyLittleEndianViewOfTheTensor() {
        SafetensorsFile file = SafetensorsFile.parse(TestFiles.smallValidFile(), "small");

        ByteBuffer labels = file.buffer("labels");
        assertThat(labels.isReadOnly()).isTrue();
        assertThat(labels.remaining()).isEqualTo(16);
        assertThat(labels.getLong(8)).isEqualTo(3);
    }

    @Test
    void openingAMissingFileNamesIt(@TempDir Path directory) {
        Path missing = directory.resolve("absent.safetensors");

        assertThatThrownBy(() -> SafetensorsFile.open(missing))
                .isInstanceOf(Vil4jException.class)
                .hasMessageContaining("absent.safetensors");
    }
}
