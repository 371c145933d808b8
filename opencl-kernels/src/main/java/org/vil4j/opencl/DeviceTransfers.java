package org.vil4j.opencl;

import org.vil4j.api.DeviceMemoryExhaustedException;
import org.vil4j.api.IndexTable;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

import java.util.Arrays;

import static org.vil4j.opencl.DeviceProgram.*;
import static org.vil4j.opencl.OpenCLOps.MAX_ARENA_FLOATS;

/**
 * What crosses between host and device, and the arenas' growth: uploads, parameters and index tables in, downloads
 * out, all through the program's staging arrays (before the first launch straight into the host arenas, which then
 * go over whole) and all counted in OpenCLOps' transfer statistics. An arena that must grow is read back first, so
 * device-only results survive the move.
 */
final class DeviceTransfers {
    private DeviceTransfers() {
    }

    static Tensor upload(OpenCLOps ops, Shape shape, float[] data) {
        checkLength("upload", shape, data.length);
        DeviceTensor t = ops.allocate(shape);
        stageIn(ops, data, t.offset());
        ops.bytesIn += 4L * data.length;
        return t;
    }

    static Tensor parameter(OpenCLOps ops, Shape shape, float[] data) {
        checkLength("parameter", shape, data.length);
        if (!ops.workspace.isEmpty()) {
            throw new IllegalStateException("parameter " + shape + ": create parameters before running operations "
                    + "(the workspace is in use)");
        }
        int n = data.length;
        ensureCapacity(ops, (long) ops.persistentTop + n + 64);
        int offset = ops.persistentTop;
        ops.persistentTop = (ops.persistentTop + n + 31) / 32 * 32;
        ops.workspace.setBase(ops.persistentTop);
        if (ops.started) {
            stageIn(ops, data, offset);
            ops.parameterBytes += 4L * n;
        } else {
            // the arena is not on the device yet: it goes over whole at the first launch
            System.arraycopy(data, 0, ops.program.mem, offset, n);
        }
        return new DeviceTensor(shape, offset, -1, 0);
    }

    static void assign(OpenCLOps ops, Tensor parameter, float[] data) {
        DeviceTensor t = ops.check("assign", parameter);
        checkLength("assign", t.shape(), data.length);
        if (ops.started) {
            stageIn(ops, data, t.offset());
            ops.parameterBytes += 4L * data.length;
        } else {
            System.arraycopy(data, 0, ops.program.mem, t.offset(), data.length);
        }
    }

    static IndexTable indexTable(OpenCLOps ops, int rows, int cols, int[] data) {
        if ((long) rows * cols != data.length) {
            throw new ShapeMismatchException("indexTable: " + rows + "x" + cols + " needs " + (long) rows * cols
                    + " entries, got " + data.length);
        }
        int offset = reserveIndex(ops, data.length);
        writeIndex(ops, data, offset);
        int min = Integer.MAX_VALUE, max = Integer.MIN_VALUE;
        for (int v : data) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return new DeviceIndexTable(rows, cols, offset, min, max);
    }

    static float[] download(OpenCLOps ops, Tensor tensor) {
        DeviceTensor t = ops.check("download", tensor);
        int n = t.size();
        if (n == 0) {
            return new float[0];
        }
        if (!ops.started) {
            return Arrays.copyOfRange(ops.program.mem, t.offset(), t.offset() + n);
        }
        if (ops.program.stageOut.length != n) {
            ops.retire(ops.program.stageOut);
            ops.program.stageOut = new float[n];
            ops.setupBytes += 4L * n; // Aparapi initialises a new buffer from the host array
        }
        ops.args(n, t.offset());
        ops.launch1D(OP_COPY_OUT, n);
        ops.flush();
        ops.program.get(ops.program.stageOut);
        ops.bytesOut += 4L * n;
        ops.transfers++;
        return ops.program.stageOut.clone();
    }

    /** Writes {@code data} into a reused region of the int arena (per-step tables that need not persist). */
    static int scratchIndex(OpenCLOps ops, int[] data) {
        if (data.length > ops.scratchIndexCapacity) {
            ops.scratchIndexOffset = reserveIndex(ops, data.length);
            ops.scratchIndexCapacity = data.length;
        }
        writeIndex(ops, data, ops.scratchIndexOffset);
        return ops.scratchIndexOffset;
    }

    /** {@code n} ints at the top of the int arena, for good. */
    private static int reserveIndex(OpenCLOps ops, int n) {
        if ((long) ops.indexTop + n > ops.program.index.length) {
            growIndex(ops, (long) ops.indexTop + n);
        }
        int offset = ops.indexTop;
        ops.indexTop += n;
        return offset;
    }

    /** Copies {@code data} to the int arena at {@code offset}: through the staging array once on the device. */
    private static void writeIndex(OpenCLOps ops, int[] data, int offset) {
        int n = data.length;
        if (n == 0) {
            // nothing to move; a zero-length staging array would ask OpenCL for an empty buffer, which it refuses
            return;
        }
        if (!ops.started) {
            System.arraycopy(data, 0, ops.program.index, offset, n);
            return;
        }
        ops.flush(); // a recorded copy may still read the staging array
        if (ops.program.stageIndex.length != n) {
            ops.retire(ops.program.stageIndex);
            ops.program.stageIndex = data.clone(); // a new field value: Aparapi copies it when it makes the buffer
        } else {
            System.arraycopy(data, 0, ops.program.stageIndex, 0, n);
            ops.program.put(ops.program.stageIndex);
        }
        ops.parameterBytes += 4L * n;
        ops.transfers++;
        ops.args(n, offset);
        ops.launch1D(OP_COPY_INDEX_IN, n);
    }

    private static void stageIn(OpenCLOps ops, float[] data, int offset) {
        int n = data.length;
        if (n == 0) {
            return;
        }
        if (!ops.started) {
            // nothing is on the device yet: the first launch brings the arena over anyway
            System.arraycopy(data, 0, ops.program.mem, offset, n);
            return;
        }
        ops.flush(); // a recorded copy may still read the staging array
        boolean small = n <= SMALL_STAGE;
        int chunk = ops.program.stageChunk.length;
        if (!small && chunk > 1) {
            stageInChunks(ops, data, offset, chunk);
            return;
        }
        if (small) {
            System.arraycopy(data, 0, ops.program.stageSmall, 0, n);
            ops.program.put(ops.program.stageSmall);
        } else if (ops.program.stageIn.length != n) {
            ops.retire(ops.program.stageIn);
            ops.program.stageIn = data.clone(); // a new field value: Aparapi copies it when it makes the buffer
        } else {
            System.arraycopy(data, 0, ops.program.stageIn, 0, n);
            ops.program.put(ops.program.stageIn);
        }
        ops.transfers++;
        ops.args(n, offset, small ? 1 : 0);
        ops.launch1D(OP_COPY_IN, n);
    }

    /** A large upload a chunk at a time through stageChunk: each chunk's copy runs before the next is written. */
    private static void stageInChunks(OpenCLOps ops, float[] data, int offset, int chunk) {
        for (int from = 0; from < data.length; from += chunk) {
            int n = Math.min(chunk, data.length - from);
            if (from > 0) {
                ops.flush();
            }
            System.arraycopy(data, from, ops.program.stageChunk, 0, n);
            ops.program.put(ops.program.stageChunk);
            ops.transfers++;
            ops.args(n, offset + from, 2);
            ops.launch1D(OP_COPY_IN, n);
        }
    }

    /** Stages per-step values into the arena, counted as parameter bytes once the arena is on the device. */
    static void stageParameters(OpenCLOps ops, float[] data, int offset) {
        stageIn(ops, data, offset);
        if (ops.started) {
            ops.parameterBytes += 4L * data.length;
        }
    }

    static void ensureCapacity(OpenCLOps ops, long floats) {
        if (floats <= ops.program.mem.length) {
            return;
        }
        long size = ops.program.mem.length;
        while (size < floats) {
            size *= 2;
        }
        size = Math.min(size, ops.maxArenaFloats);
        if (size < floats) {
            throw new DeviceMemoryExhaustedException("OpenCL backend: " + floats * 4 + " bytes of tensors do not fit "
                    + "the arena (at most " + ops.maxArenaFloats * 4 + " bytes"
                    + (ops.maxArenaFloats == MAX_ARENA_FLOATS && !LargeBuffers.available()
                    ? ", one Aparapi buffer; tools/gpu/native's preloaded library lifts that bound" : "")
                    + "); use a smaller batch (or, training, --recompute-activations)", floats * 4,
                    ops.maxArenaFloats * 4);
        }
        size = LargeBuffers.allowedAtLeast(size); // at most the bound, which is allowed
        float[] grown;
        try {
            grown = new float[(int) size];
        } catch (OutOfMemoryError e) {
            // the host keeps the whole arena in a Java array: its heap bounds the arena too
            throw new DeviceMemoryExhaustedException("OpenCL backend: the JVM's heap cannot hold an arena of "
                    + size * 4 + " bytes (the host keeps a copy of it); raise -Xmx or use a smaller batch",
                    size * 4, Runtime.getRuntime().maxMemory());
        }
        LargeBuffers.announce(size);
        if (ops.started) {
            ops.flush();
            ops.program.get(ops.program.mem); // device-only results must survive the move
            ops.setupBytes += 4L * ops.program.mem.length + 4 * size;
            ops.transfers += 2;
        }
        System.arraycopy(ops.program.mem, 0, grown, 0, ops.program.mem.length);
        ops.retire(ops.program.mem);
        ops.program.mem = grown;
    }

    private static void growIndex(OpenCLOps ops, long ints) {
        long size = ops.program.index.length;
        while (size < ints) {
            size *= 2;
        }
        size = Math.min(size, MAX_ARENA_FLOATS);
        if (size < ints) {
            throw new DeviceMemoryExhaustedException("OpenCL backend: " + ints * 4 + " bytes of index tables do not "
                    + "fit one Aparapi buffer (at most " + MAX_ARENA_FLOATS * 4 + " bytes)", ints * 4,
                    MAX_ARENA_FLOATS * 4);
        }
        int[] grown = new int[(int) size];
        if (ops.started) {
            ops.flush();
            ops.program.get(ops.program.index);
            ops.setupBytes += 4L * ops.program.index.length + 4L * grown.length;
            ops.transfers += 2;
        }
        System.arraycopy(ops.program.index, 0, grown, 0, ops.program.index.length);
        ops.retire(ops.program.index);
        ops.program.index = grown;
    }

    private static void checkLength(String op, Shape shape, int length) {
        if (shape.sizeLong() != length) {
            throw new ShapeMismatchException(op + ": shape " + shape + " needs " + shape.sizeLong()
                    + " values, got " + length);
        }
    }
}
