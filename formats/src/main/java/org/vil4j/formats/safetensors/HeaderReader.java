package org.vil4j.formats.safetensors;

import org.vil4j.formats.json.JsonNumber;
import org.vil4j.formats.json.JsonSyntaxException;
import org.vil4j.formats.json.JsonText;
import org.vil4j.formats.json.StrictJsonParser;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vil4j.api.Shape;

/**
 * Validates the length prefix and the JSON header of a safetensors file against the real file size. Every declared
 * number is checked before anything is sized by it, so a corrupt or hostile file fails with a
 * {@link SafetensorsFormatException} instead of an OutOfMemoryError or an index error.
 */
final class HeaderReader {
    /** The reference implementation's limit; real headers are kilobytes. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";
    private static final int LENGTH_PREFIX_BYTES = 8;
    private static final Set<String> TENSOR_FIELDS = Set.of("dtype", "shape", "data_offsets");
    /** Quoted header text (a fuzzed header may hold megabytes of digits) is cut to this length in messages. */
    private static final int MAX_QUOTED_CHARS = 200;

    private final String sourceName;

    private HeaderReader(String sourceName) {
        this.sourceName = sourceName;
    }

    static SafetensorsHeader read(byte[] file, String sourceName) {
        return new HeaderReader(sourceName).read(file);
    }

    private SafetensorsHeader read(byte[] file) {
        if (file.length < LENGTH_PREFIX_BYTES) {
            throw fail("file is " + file.length + " bytes long, shorter than the 8-byte header length prefix");
        }
        long declared = ByteBuffer.wrap(file, 0, LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong();
        long available = file.length - (long) LENGTH_PREFIX_BYTES;
        // The prefix is unsigned: compare it as such so that 2^63 and above are not mistaken for negatives.
        if (Long.compareUnsigned(declared, available) > 0) {
            throw fail("header length " + Long.toUnsignedString(declared) + " runs past the end of the file ("
                    + available + " bytes follow the 8-byte length prefix)");
        }
        if (declared > MAX_HEADER_BYTES) {
            throw fail("header length " + declared + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        int headerLength = (int) declared;
        Map<?, ?> root = parseRoot(file, headerLength);
        int dataStart = LENGTH_PREFIX_BYTES + headerLength;
        long dataLength = file.length - (long) dataStart;

        Map<String, TensorEntry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<?, ?> member : root.entrySet()) {
            String key = (String) member.getKey();
            if (key.equals(METADATA_KEY)) {
                metadata = readMetadata(member.getValue());
            } else {
                entries.put(key, readEntry(key, member.getValue(), dataLength));
            }
        }
        rejectOverlaps(entries.values());
        return new SafetensorsHeader(dataStart, dataLength, Collections.unmodifiableMap(entries), metadata);
    }

    private Map<?, ?> parseRoot(byte[] file, int headerLength) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer headerBytes = ByteBuffer.wrap(file, LENGTH_PREFIX_BYTES, headerLength);
        String headerText;
        try {
            headerText = utf8.decode(headerBytes).toString();
        } catch (CharacterCodingException e) {
            throw fail("header is not valid UTF-8 (bad bytes near header byte "
                    + (headerBytes.position() - LENGTH_PREFIX_BYTES) + ")", e);
        }
        Object json;
        try {
            json = StrictJsonParser.parse(headerText);
        } catch (JsonSyntaxException e) {
            throw fail("header is not valid JSON: " + e.getMessage(), e);
        }
        if (!(json instanceof Map<?, ?> root)) {
            throw fail("header is a JSON " + typeName(json) + ", expected an object");
        }
        return root;
    }

    private Map<String, String> readMetadata(Object value) {
        if (!(value instanceof Map<?, ?> members)) {
            throw fail(METADATA_KEY + " is a JSON " + typeName(value) + ", expected an object of strings");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> member : members.entrySet()) {
            if (!(member.getValue() instanceof String text)) {
                throw fail(METADATA_KEY + " entry '" + member.getKey() + "' is a JSON "
                        + typeName(member.getValue()) + ", expected a string");
            }
            metadata.put((String) member.getKey(), text);
        }
        return Collections.unmodifiableMap(metadata);
    }

    private TensorEntry readEntry(String name, Object value, long dataLength) {
        if (!(value instanceof Map<?, ?> fields)) {
            throw failTensor(name, "is described by a JSON " + typeName(value)
                    + ", expected an object with dtype, shape and data_offsets");
        }
        for (Object field : fields.keySet()) {
            if (!TENSOR_FIELDS.contains(field)) {
                throw failTensor(name, "has unknown field '" + abbreviate(field.toString()) + "'");
            }
        }
        DType dtype = readDType(name, require(name, fields, "dtype"));
        long[] dims = readShape(name, require(name, fields, "shape"));
        long[] offsets = readOffsets(name, require(name, fields, "data_offsets"));
        long begin = offsets[0];
        long end = offsets[1];
        Shape shape = Shape.of(dims);

        long elements = 1;
        for (long dim : dims) {
            try {
                elements = Math.multiplyExact(elements, dim);
            } catch (ArithmeticException e) {
                throw failTensor(name, "has shape " + shape + " whose element count overflows a 64-bit integer");
            }
        }
        long expectedBytes;
        try {
            expectedBytes = Math.multiplyExact(elements, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw failTensor(name, "has shape " + shape + " of " + dtype + " whose byte size overflows a 64-bit integer");
        }
        if (begin > end) {
            throw failTensor(name, "has data_offsets [" + begin + ", " + end + "] with begin > end");
        }
        if (end > dataLength) {
            throw failTensor(name, "has data_offsets [" + begin + ", " + end + "] ending past the end of the "
                    + dataLength + "-byte data buffer");
        }
        if (end - begin != expectedBytes) {
            throw failTensor(name, "has shape " + shape + " of " + dtype + " (" + elements + " elements, "
                    + expectedBytes + " bytes) but data_offsets [" + begin + ", " + end + "] span "
                    + (end - begin) + " bytes");
        }
        return new TensorEntry(name, dtype, shape, begin, end);
    }

    private Object require(String name, Map<?, ?> fields, String field) {
        if (!fields.containsKey(field)) {
            throw failTensor(name, "has no '" + field + "' field");
        }
        return fields.get(field);
    }

    private DType readDType(String name, Object value) {
        if (!(value instanceof String code)) {
            throw failTensor(name, "has a dtype that is a JSON " + typeName(value) + ", expected a string");
        }
        return DType.fromCode(code).orElseThrow(() -> failTensor(name, "has unknown dtype '" + abbreviate(code)
                + "' (known: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)"));
    }

    private long[] readShape(String name, Object value) {
        if (!(value instanceof List<?> entries)) {
            throw failTensor(name, "has a shape that is a JSON " + typeName(value) + ", expected an array");
        }
        long[] dims = new long[entries.size()];
        for (int i = 0; i < dims.length; i++) {
            long dim = readNonNegativeInteger(name, "shape entry " + i, entries.get(i));
            // Shape holds ints; no tensor a byte[]-backed file can carry needs a larger dimension.
            if (dim > Integer.MAX_VALUE) {
                throw failTensor(name, "has shape entry " + i + " = " + dim + ", larger than " + Integer.MAX_VALUE);
            }
            dims[i] = dim;
        }
        return dims;
    }

    private long[] readOffsets(String name, Object value) {
        if (!(value instanceof List<?> entries) || entries.size() != 2) {
            String found = value instanceof List<?> list ? "an array of " + list.size() + " elements" : "a JSON " + typeName(value);
            throw failTensor(name, "has data_offsets that are " + found + ", expected [begin, end]");
        }
        return new long[] {
            readNonNegativeInteger(name, "data_offsets begin", entries.get(0)),
            readNonNegativeInteger(name, "data_offsets end", entries.get(1))
        };
    }

    private long readNonNegativeInteger(String name, String what, Object value) {
        if (!(value instanceof JsonNumber number)) {
            throw failTensor(name, "has " + what + " that is a JSON " + typeName(value) + ", expected an integer");
        }
        if (!number.isIntegerLiteral()) {
            throw failTensor(name, "has " + what + " = " + abbreviate(number.literal()) + ", which is not an integer");
        }
        if (number.literal().startsWith("-") && !number.literal().equals("-0")) {
            throw failTensor(name, "has negative " + what + " = " + abbreviate(number.literal()));
        }
        try {
            return number.longValueExact();
        } catch (NumberFormatException e) {
            throw failTensor(name, "has " + what + " = " + abbreviate(number.literal()) + ", which is out of range");
        }
    }

    private void rejectOverlaps(Iterable<TensorEntry> entries) {
        List<TensorEntry> byOffset = new ArrayList<>();
        entries.forEach(byOffset::add);
        byOffset.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        // Sorted by begin, the first overlap in the file always shows up between neighbours.
        for (int i = 1; i < byOffset.size(); i++) {
            TensorEntry previous = byOffset.get(i - 1);
            TensorEntry current = byOffset.get(i);
            if (current.begin() < previous.end()) {
                throw fail("tensors '" + previous.name() + "' [" + previous.begin() + ", " + previous.end() + "] and '"
                        + current.name() + "' [" + current.begin() + ", " + current.end() + "] overlap");
            }
        }
    }

    private static String typeName(Object value) {
        if (value instanceof Map<?, ?>) {
            return "object";
        } else if (value instanceof List<?>) {
            return "array";
        } else if (value instanceof String) {
            return "string";
        } else if (value instanceof JsonNumber) {
            return "number";
        } else if (value instanceof Boolean) {
            return "boolean";
        }
        return "null";
    }

    private static String abbreviate(String text) {
        return text.length() <= MAX_QUOTED_CHARS ? text : text.substring(0, MAX_QUOTED_CHARS) + "...";
    }

    private SafetensorsFormatException failTensor(String name, String problem) {
        return fail("tensor '" + abbreviate(name) + "' " + problem);
    }

    private SafetensorsFormatException fail(String problem) {
        return new SafetensorsFormatException("safetensors file " + sourceName + ": " + problem);
    }

    private SafetensorsFormatException fail(String problem, Throwable cause) {
        return new SafetensorsFormatException("safetensors file " + sourceName + ": " + problem, cause);
    }
}
