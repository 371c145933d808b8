package org.vil4j.formats.safetensors;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/** One hand-made broken file per rule; each must fail with a message naming the file, the tensor and the numbers. */
class SafetensorsMalformedFileTest {
    private static final String FILE = "broken.safetensors";

    @Test
    void fileShorterThanTheLengthPrefix() {
        rejecting(new byte[5]).hasMessageContaining("5 bytes").hasMessageContaining("shorter than the 8-byte");
    }

    @Test
    void headerLengthPastTheEndOfTheFile() {
        rejecting(TestFiles.withLengthPrefix(1000, "{}".getBytes(StandardCharsets.US_ASCII)))
                .hasMessageContaining("header length 1000").hasMessageContaining("past the end")
                .hasMessageContaining("2 bytes follow");
    }

    @Test
    void headerLengthWithTheTopBitSetIsReadAsUnsigned() {
        rejecting(TestFiles.withLengthPrefix(-1, new byte[8])).hasMessageContaining("18446744073709551615");
    }

    @Test
    void absurdHeaderLength() {
        // The declared length fits the (100 MB) file, but no real header is that large.
        long declared = HeaderReader.MAX_HEADER_BYTES + 1;
        rejecting(TestFiles.withLengthPrefix(declared, new byte[(int) declared]))
                .hasMessageContaining("header length " + declared).hasMessageContaining("limit");
    }

    @Test
    void invalidJson() {
        rejecting(TestFiles.withHeader("{\"w\": {\"dtype\": \"F32\",", 0))
                .hasMessageContaining("not valid JSON").hasMessageContaining("end of input");
    }

    @Test
    void trailingGarbageAfterTheJsonObject() {
        rejecting(TestFiles.withHeader("{} x", 0)).hasMessageContaining("not valid JSON").hasMessageContaining("'x'");
    }

    @Test
    void headerThatIsNotAnObject() {
        rejecting(TestFiles.withHeader("[1, 2]", 0)).hasMessageContaining("JSON array, expected an object");
    }

    @Test
    void headerThatIsNotUtf8() {
        byte[] file = TestFiles.withHeader("{\"w\": 1}", 0);
        file[10] = (byte) 0xC3; // a lead byte followed by an ASCII character
        rejecting(file).hasMessageContaining("not valid UTF-8");
    }

    @Test
    void unknownDtype() {
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"F8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("unknown dtype 'F8'");
    }

    @Test
    void dtypeOfTheWrongJsonType() {
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("dtype that is a JSON number");
    }

    @Test
    void missingAndUnknownFields() {
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("no 'data_offsets'");
        rejecting(TestFiles.withHeader(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"stride\":[1]}}", 4))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("unknown field 'stride'");
    }

    @Test
    void shapeDisagreeingWithTheByteRange() {
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 24))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("[2,3]")
                .hasMessageContaining("24 bytes").hasMessageContaining("span 20 bytes");
    }

    @Test
    void offsetsPastTheEndOfTheData() {
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("[0, 16]")
                .hasMessageContaining("past the end of the 8-byte data buffer");
    }

    @Test
    void overlappingRanges() {
        rejecting(TestFiles.withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24))
                .hasMessageContaining("'a' [0, 16]").hasMessageContaining("'b' [8, 24]").hasMessageContaining("overlap");
    }

    @Test
    void emptyTensorInsideAnotherTensorsRangeCountsAsOverlap() {
        rejecting(TestFiles.withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}}", 16))
                .hasMessageContaining("'e' [8, 8]").hasMessageContaining("overlap");
    }

    @Test
    void beginAfterEnd() {
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[16,0]}}", 16))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("[16, 0]").hasMessageContaining("begin > end");
    }

    @Test
    void negativeShapeEntry() {
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2,3],\"data_offsets\":[0,24]}}", 24))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("negative shape entry 0 = -2");
    }

    @Test
    void nonIntegerShapeEntry() {
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("2.0, which is not an integer");
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("JSON string, expected an integer");
    }

    @Test
    void negativeOffset() {
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[-1,0]}}", 4))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("negative data_offsets begin = -1");
    }

    @Test
    void offsetsThatAreNotAPair() {
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", 4))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("array of 3 elements");
    }

    @Test
    void duplicateKey() {
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2))
                .hasMessageContaining("duplicate key \"w\"");
    }

    @Test
    void elementCountOverflow() {
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],"
                + "\"data_offsets\":[0,4]}}", 4))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("element count overflows");
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2],"
                + "\"data_offsets\":[0,4]}}", 4))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("byte size overflows");
    }

    @Test
    void shapeEntryBeyondIntRange() {
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"U8\",\"shape\":[4294967296],\"data_offsets\":[0,4]}}", 4))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("4294967296");
        rejecting(TestFiles.withHeader("{\"w\":{\"dtype\":\"U8\",\"shape\":[99999999999999999999],"
                + "\"data_offsets\":[0,4]}}", 4))
                .hasMessageContaining("tensor 'w'").hasMessageContaining("out of range");
    }

    @Test
    void metadataThatIsNotAStringMap() {
        rejecting(TestFiles.withHeader("{\"__metadata__\":{\"epoch\":3}}", 0))
                .hasMessageContaining("__metadata__ entry 'epoch'").hasMessageContaining("JSON number");
        rejecting(TestFiles.withHeader("{\"__metadata__\":[]}", 0))
                .hasMessageContaining("__metadata__ is a JSON array");
    }

    @Test
    void tensorDescribedByANonObject() {
        rejecting(TestFiles.withHeader("{\"w\":null}", 0)).hasMessageContaining("tensor 'w'").hasMessageContaining("JSON null");
    }

    @Test
    void nestingTooDeep() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        rejecting(TestFiles.withHeader("{\"__metadata__\":{\"k\":" + deep + "}}", 0)).hasMessageContaining("nesting deeper");
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> rejecting(byte[] file) {
        return assertThatThrownBy(() -> SafetensorsFile.parse(file, FILE))
                .isExactlyInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining(FILE);
    }
}
