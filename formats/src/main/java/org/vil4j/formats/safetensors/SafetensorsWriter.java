package org.vil4j.formats.safetensors;

import org.vil4j.formats.json.JsonNumber;
import org.vil4j.formats.json.JsonSyntaxException;
import org.vil4j.formats.json.JsonText;
import org.vil4j.formats.json.StrictJsonParser;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Vil4jException;

/**
 * Collects tensors and metadata, then writes them as one safetensors file. The output is deterministic: tensors are
 * laid out and listed in sorted name order, {@code __metadata__} (when there is any) comes first with sorted keys, and
 * the header is padded with spaces to a multiple of 8 bytes, as the reference implementation does. Data is copied at
 * {@code put} time, so later changes to the caller's arrays do not leak into the file.
 */
public final class SafetensorsWriter {
    private static final long MAX_IN_MEMORY_BYTES = Integer.MAX_VALUE - 8;

    private final Map<String, String> metadata = new TreeMap<>();
    private final Map<String, EncodedTensor> tensors = new TreeMap<>();

    /** A tensor already converted to its little-endian bytes. */
    private record EncodedTensor(DType dtype, Shape shape, byte[] data) {
    }

    public SafetensorsWriter() {
    }

    /** Adds one {@code __metadata__} entry; each key may be set once. */
    public SafetensorsWriter metadata(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        requireEncodable(key);
        requireEncodable(value);
        if (metadata.containsKey(key)) {
            throw new IllegalArgumentException("metadata key '" + key + "' is already set");
        }
        metadata.put(key, value);
        return this;
    }

    public SafetensorsWriter putF32(String name, Shape shape, float[] data) {
        ByteBuffer encoded = allocate(name, shape, data.length, DType.F32);
        encoded.asFloatBuffer().put(data);
        return add(name, DType.F32, shape, encoded);
    }

    public SafetensorsWriter putF64(String name, Shape shape, double[] data) {
        ByteBuffer encoded = allocate(name, shape, data.length, DType.F64);
        encoded.asDoubleBuffer().put(data);
        return add(name, DType.F64, shape, encoded);
    }

    public SafetensorsWriter putI64(String name, Shape shape, long[] data) {
        ByteBuffer encoded = allocate(name, shape, data.length, DType.I64);
        encoded.asLongBuffer().put(data);
        return add(name, DType.I64, shape, encoded);
    }

    /** The complete file. */
    public byte[] toBytes() {
        byte[] header = headerJson().getBytes(StandardCharsets.UTF_8);
        int padding = (8 - header.length % 8) % 8;
        long dataLength = tensors.values().stream().mapToLong(tensor -> tensor.data().length).sum();
        long total = 8L + header.length + padding + dataLength;
        if (total > MAX_IN_MEMORY_BYTES) {
            throw new Vil4jException("safetensors output would be " + total + " bytes, more than one byte[] holds");
        }
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length + padding);
        out.put(header);
        for (int i = 0; i < padding; i++) {
            out.put((byte) ' ');
        }
        for (EncodedTensor tensor : tensors.values()) {
            out.put(tensor.data());
        }
        return out.array();
    }

    /**
     * Writes the file atomically: the bytes go to a temporary file beside {@code path}, are forced to disk, and the
     * temporary file is then renamed over {@code path}. Readers therefore see the old file or the complete new one.
     */
    public void write(Path path) {
        Objects.requireNonNull(path, "path");
        byte[] bytes = toBytes();
        Path target = path.toAbsolutePath();
        Path temporary = target.resolveSibling(
                "." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        removeStaleTemporaries(target);
        boolean created = false;
        try {
            // CREATE_NEW rather than Files.createTempFile: the latter makes owner-only files, and the rename would keep that.
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                created = true;
                // a JVM ended by a signal (Ctrl-C, kill) still runs this; a killed one leaves it to the next write
                if (temporary.getFileSystem() == java.nio.file.FileSystems.getDefault()) {
                    temporary.toFile().deleteOnExit();
                }
                ByteBuffer remaining = ByteBuffer.wrap(bytes);
                while (remaining.hasRemaining()) {
                    channel.write(remaining);
                }
                channel.force(true);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Vil4jException failure = new Vil4jException("cannot write safetensors file " + target + ": " + e, e);
            if (created) {
                deleteQuietly(temporary, failure);
            }
            throw failure;
        } catch (RuntimeException | Error e) {
            if (created) {
                deleteQuietly(temporary, e);
            }
            throw e;
        }
    }

    private String headerJson() {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append(JsonText.quote(HeaderReader.METADATA_KEY)).append(":{");
            String separator = "";
            for (Map.Entry<String, String> entry : metadata.entrySet()) {
                json.append(separator).append(JsonText.quote(entry.getKey())).append(':')
                        .append(JsonText.quote(entry.getValue()));
                separator = ",";
            }
            json.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, EncodedTensor> entry : tensors.entrySet()) {
            EncodedTensor tensor = entry.getValue();
            if (json.length() > 1) {
                json.append(',');
            }
            long end = offset + tensor.data().length;
            json.append(JsonText.quote(entry.getKey()))
                    .append(":{\"dtype\":\"").append(tensor.dtype().code())
                    .append("\",\"shape\":").append(Arrays.toString(tensor.shape().dims()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        return json.append('}').toString();
    }

    private ByteBuffer allocate(String name, Shape shape, int length, DType dtype) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        requireEncodable(name);
        if (name.equals(HeaderReader.METADATA_KEY)) {
            throw new IllegalArgumentException("'" + HeaderReader.METADATA_KEY + "' is reserved and cannot name a tensor");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already put");
        }
        if (shape.sizeLong() != length) {
            throw new ShapeMismatchException("tensor '" + name + "' has shape " + shape + " (" + shape.sizeLong()
                    + " elements) but " + length + " values were given");
        }
        long bytes = (long) length * dtype.byteSize();
        if (bytes > MAX_IN_MEMORY_BYTES) {
            throw new Vil4jException("tensor '" + name + "' needs " + bytes + " bytes, more than one byte[] holds");
        }
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private SafetensorsWriter add(String name, DType dtype, Shape shape, ByteBuffer encoded) {
        tensors.put(name, new EncodedTensor(dtype, shape, encoded.array()));
        return this;
    }

    private static void requireEncodable(String text) {
        if (JsonText.hasLoneSurrogate(text)) {
            throw new IllegalArgumentException("'" + text + "' contains an unpaired UTF-16 surrogate, which UTF-8 cannot encode");
        }
    }

    /**
     * Removes the temporary files a killed writer of {@code target} left beside it ({@code .NAME.HEX.tmp}). Writers of
     * one target are expected to take turns (a training run holds a lock on its folder).
     */
    static void removeStaleTemporaries(Path target) {
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        String prefix = "." + target.getFileName() + ".";
        try (java.nio.file.DirectoryStream<Path> stale = Files.newDirectoryStream(dir, entry -> {
            String name = entry.getFileName().toString();
            return name.startsWith(prefix) && name.endsWith(".tmp")
                    && name.substring(prefix.length(), name.length() - 4).matches("[0-9a-f]{1,16}");
        })) {
            for (Path file : stale) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // best effort: a leftover costs disk space, not correctness
        }
    }

    private static void deleteQuietly(Path temporary, Throwable failure) {
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
