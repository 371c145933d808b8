package org.vil4j.formats.torch;

import java.nio.ByteBuffer;

/** One storage of a checkpoint: {@code numel} elements of {@code dtype}, read from the archive's data/KEY entry. */
final class TorchStorage {
    final String key;
    final TorchDType dtype;
    final long numel;
    private final ByteBuffer bytes;

    TorchStorage(String key, TorchDType dtype, long numel, ByteBuffer bytes) {
        this.key = key;
        this.dtype = dtype;
        this.numel = numel;
        this.bytes = bytes;
    }

    float get(long index) {
        return dtype.read(bytes, index);
    }

    ByteBuffer bytes() {
        return bytes.duplicate().order(bytes.order());
    }
}
