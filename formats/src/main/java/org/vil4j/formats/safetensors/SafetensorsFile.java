package org.vil4j.formats.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.vil4j.api.Vil4jException;

/**
 * A safetensors file held in memory, its header fully validated on construction (see {@link HeaderReader}); after
 * that, reading any tensor cannot fail on the file's account. Tensor names keep the header's order.
 */
public final class SafetensorsFile {
    /** The largest byte[] the JVM reliably allocates. */
    private static final long MAX_IN_MEMORY_BYTES = Integer.MAX_VALUE - 8;

    private final String sourceName;
    private final byte[] bytes;
    private final SafetensorsHeader header;

    private SafetensorsFile(String sourceName, byte[] bytes, SafetensorsHeader header) {
        this.sourceName = sourceName;
        this.bytes = bytes;
        this.header = header;
    }

    /** Reads and validates the whole file. */
    public static SafetensorsFile open(Path path) {
        Objects.requireNonNull(path, "path");
        try {
            long size = Files.size(path);
            if (size > MAX_IN_MEMORY_BYTES) {
                throw new SafetensorsFormatException("safetensors file " + path + ": file is " + size
                        + " bytes long, more than the " + MAX_IN_MEMORY_BYTES + " bytes this reader holds in memory");
            }
            return parse(Files.readAllBytes(path), path.toString());
        } catch (IOException e) {
            throw new Vil4jException("cannot read safetensors file " + path + ": " + e, e);
        }
    }

    /**
     * Validates {@code bytes} as a complete safetensors file. The array is kept, not copied: do not change it afterwards.
     *
     * @param sourceName how error messages name the file, e.g. its path
     */
    public static SafetensorsFile parse(byte[] bytes, String sourceName) {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(sourceName, "sourceName");
        return new SafetensorsFile(sourceName, bytes, HeaderReader.read(bytes, sourceName));
    }

    /** How error messages name this file. */
    public String sourceName() {
        return sourceName;
    }

    /** Tensor names in header order (unmodifiable). */
    public Set<String> names() {
        return header.entries().keySet();
    }

    /** All tensors in header order (unmodifiable). */
    public Collection<TensorEntry> entries() {
        return header.entries().values();
    }

    public boolean contains(String name) {
        return header.entries().containsKey(name);
    }

    /** The header's description of one tensor; throws {@link TensorNotFoundException} for an unknown name. */
    public TensorEntry entry(String name) {
        TensorEntry entry = header.entries().get(name);
        if (entry == null) {
            throw new TensorNotFoundException("safetensors file " + sourceName + " has no tensor '" + name + "' ("
                    + header.entries().size() + " tensors present)");
        }
        return entry;
    }

    /** The {@code __metadata__} map, empty when the file has none (unmodifiable). */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** The tensor's elements as floats, whatever its dtype (F64, I64 and I32 may round). */
    public float[] floats(String name) {
        TensorEntry entry = entry(name);
        return TensorDecoding.toFloats(buffer(name), entry.dtype(), elementCount(entry));
    }

    /** The tensor's elements as doubles, whatever its dtype (I64 beyond 2^53 may round). */
    public double[] doubles(String name) {
        TensorEntry entry = entry(name);
        return TensorDecoding.toDoubles(buffer(name), entry.dtype(), elementCount(entry));
    }

    /** The elements of an integer (or BOOL, as 0/1) tensor; float dtypes throw {@link IncompatibleDTypeException}. */
    public long[] longs(String name) {
        TensorEntry entry = entry(name);
        if (!entry.dtype().isIntegral()) {
            throw new IncompatibleDTypeException("tensor '" + name + "' in safetensors file " + sourceName
                    + " has dtype " + entry.dtype() + "; longs() reads only I64, I32, I16, I8, U8 and BOOL");
        }
        return TensorDecoding.toLongs(buffer(name), entry.dtype(), elementCount(entry));
    }

    /** A read-only little-endian view of the tensor's raw bytes, without copying. */
    public ByteBuffer buffer(String name) {
        TensorEntry entry = entry(name);
        // The header check guarantees end <= data length, so both casts are within the array.
        int start = header.dataStart() + (int) entry.begin();
        return ByteBuffer.wrap(bytes, start, (int) entry.byteLength()).slice()
                .asReadOnlyBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int elementCount(TensorEntry entry) {
        // Fits: elements * dtype size == byteLength, which lies inside a byte[].
        return (int) (entry.byteLength() / entry.dtype().byteSize());
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + sourceName + ", " + header.entries().size() + " tensors]";
    }
}
