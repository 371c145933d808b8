package org.vil4j.formats.torch;

import org.vil4j.api.Shape;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A tensor of a checkpoint: a strided view into one storage. Creating it checks that every element the view can
 * reach lies inside the storage, so reading never goes out of bounds; reading allocates exactly {@code numel} floats.
 */
public final class TorchTensor {
    /** Dimensions beyond this are refused (PyTorch itself stops at 64). */
    public static final int MAX_RANK = 64;

    private final TorchStorage storage;
    private final long offset;
    private final long[] size;
    private final long[] stride;
    private final int numel;

    private TorchTensor(TorchStorage storage, long offset, long[] size, long[] stride, int numel) {
        this.storage = storage;
        this.offset = offset;
        this.size = size;
        this.stride = stride;
        this.numel = numel;
    }

    /** @throws IllegalArgumentException naming the bound the view breaks */
    static TorchTensor view(TorchStorage storage, long offset, long[] size, long[] stride) {
        if (size.length != stride.length) {
            throw new IllegalArgumentException("tensor has " + size.length + " sizes but " + stride.length
                    + " strides");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("negative storage offset " + offset);
        }
        long numel = 1, last = offset;
        for (int i = 0; i < size.length; i++) {
            if (size[i] < 0 || stride[i] < 0) {
                throw new IllegalArgumentException("negative size or stride in " + Arrays.toString(size) + " / "
                        + Arrays.toString(stride));
            }
            if (size[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("declared shape " + Arrays.toString(size) + " is absurd");
            }
        }
        try {
            for (int i = 0; i < size.length; i++) {
                numel = Math.multiplyExact(numel, size[i]);
                if (size[i] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
                }
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("declared shape " + Arrays.toString(size) + " overflows 64 bits");
        }
        if (numel > storage.numel) {
            throw new IllegalArgumentException("declared shape " + Arrays.toString(size) + " (" + numel
                    + " elements) exceeds its storage " + storage.key + " of " + storage.numel + " elements");
        }
        if (numel > 0 && last >= storage.numel) {
            throw new IllegalArgumentException("tensor " + Arrays.toString(size) + " with strides "
                    + Arrays.toString(stride) + " at offset " + offset + " reaches element " + last
                    + " of storage " + storage.key + " which holds " + storage.numel);
        }
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + Arrays.toString(size) + " has too many elements for one "
                    + "array");
        }
        return new TorchTensor(storage, offset, size.clone(), stride.clone(), (int) numel);
    }

    public TorchDType dtype() {
        return storage.dtype;
    }

    public long[] size() {
        return size.clone();
    }

    public long[] stride() {
        return stride.clone();
    }

    public int numel() {
        return numel;
    }

    /** Bytes of storage this tensor's elements take: what its decoding is justified by. */
    public long byteSize() {
        return (long) numel * storage.dtype.itemSize();
    }

    /** The shape (every size fits an int by construction). */
    public Shape shape() {
        return Shape.of(size);
    }

    /** The elements in row-major order as float (float64 and int64 narrowed, float16 and bfloat16 widened exactly). */
    public float[] toFloats() {
        float[] out = new float[numel];
        if (numel == 0) {
            return out;
        }
        if (storage.dtype == TorchDType.FLOAT32 && isContiguous()) {
            FloatBuffer f = storage.bytes().position(Math.toIntExact(offset * 4)).slice()
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            f.get(out, 0, numel);
            return out;
        }
        int rank = size.length;
        long[] index = new long[rank];
        long at = offset;
        for (int i = 0; i < numel; i++) {
            out[i] = storage.get(at);
            for (int d = rank - 1; d >= 0; d--) {
                index[d]++;
                at += stride[d];
                if (index[d] < size[d]) {
                    break;
                }
                at -= stride[d] * index[d];
                index[d] = 0;
            }
        }
        return out;
    }

    private boolean isContiguous() {
        long expected = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= size[d];
        }
        return true;
    }

    @Override
    public String toString() {
        return "tensor " + storage.dtype.name().toLowerCase(java.util.Locale.ROOT) + Arrays.toString(size);
    }
}
