package org.vil4j.formats.torch;

import org.vil4j.api.Shape;
import org.vil4j.api.Vil4jException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Writes a {@code torch.save} archive of float32 tensors as {@code {"state_dict": {name: tensor, ...}}}, laid out as
 * the published checkpoints: a zip (entries stored, data 64-byte aligned) of {@code ARCHIVE/data.pkl} (pickle
 * protocol 2 naming only {@code torch._utils._rebuild_tensor_v2}, {@code torch.FloatStorage} and
 * {@code collections.OrderedDict}), {@code ARCHIVE/byteorder}, one {@code ARCHIVE/data/<n>} storage per tensor and
 * {@code ARCHIVE/version}. {@link TorchCheckpoint} and PyTorch both read it.
 */
public final class TorchCheckpointWriter {
    private static final int ALIGNMENT = 64;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    private record Tensor(Shape shape, float[] data) {
    }

    /** Adds a tensor (contiguous, in the order given; the archive keeps that order). */
    public TorchCheckpointWriter put(String name, Shape shape, float[] data) {
        if (shape.size() != data.length) {
            throw new IllegalArgumentException(name + ": shape " + shape + " holds " + shape.size() + " values, got "
                    + data.length);
        }
        if (tensors.put(name, new Tensor(shape, data.clone())) != null) {
            throw new IllegalArgumentException("tensor " + name + " added twice");
        }
        return this;
    }

    /** The archive's bytes; entries are named {@code archive/...} after the file name without its extension. */
    public byte[] toBytes(String archiveName) {
        Zip zip = new Zip();
        zip.add(archiveName + "/data.pkl", pickle());
        zip.add(archiveName + "/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        int key = 0;
        for (Tensor t : tensors.values()) {
            ByteBuffer b = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(t.data());
            zip.add(archiveName + "/data/" + key++, b.array());
        }
        zip.add(archiveName + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return zip.finish();
    }

    /** Writes the archive atomically (a temporary file beside {@code file}, then renamed). */
    public void write(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        byte[] bytes = toBytes(dot > 0 ? name.substring(0, dot) : name);
        Path target = file.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new Vil4jException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the rename happened or the write failed; either way nothing more to do
            }
        }
    }

    /** The pickle torch.save writes for {"state_dict": {...}} with protocol 2 (no memo: every global written out). */
    private byte[] pickle() {
        Pickle p = new Pickle();
        p.op(0x80).op(2); // PROTO 2
        p.op('}').op('(').string("state_dict").op('}').op('(');
        int key = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Shape shape = e.getValue().shape();
            p.string(e.getKey());
            p.global("torch._utils", "_rebuild_tensor_v2").op('(');
            p.op('(').string("storage").global("torch", "FloatStorage").string(Integer.toString(key++))
                    .string("cpu").integer(shape.size()).op('t').op('Q'); // persistent id -> BINPERSID
            p.integer(0);
            long[] stride = new long[shape.rank()];
            long step = 1;
            for (int d = shape.rank() - 1; d >= 0; d--) {
                stride[d] = step;
                step *= shape.dim(d);
            }
            p.op('(');
            for (int d = 0; d < shape.rank(); d++) {
                p.integer(shape.dim(d));
            }
            p.op('t').op('(');
            for (long s : stride) {
                p.integer(s);
            }
            p.op('t');
            p.op(0x89); // NEWFALSE: requires_grad
            p.global("collections", "OrderedDict").op(')').op('R'); // backward hooks
            p.op('t').op('R');
        }
        p.op('u').op('u').op('.');
        return p.out.toByteArray();
    }

    /** Pickle opcodes, protocol 2. */
    private static final class Pickle {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int code) {
            out.write(code);
            return this;
        }

        Pickle string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            le(b.length, 4);
            out.writeBytes(b);
            return this;
        }

        Pickle global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pickle integer(long v) {
            if (v >= 0 && v < 256) {
                op('K').op((int) v);
            } else if (v >= 0 && v < 65536) {
                op('M');
                le(v, 2);
            } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                op('J');
                le(v, 4);
            } else {
                throw new IllegalArgumentException("integer " + v + " needs more than 4 bytes");
            }
            return this;
        }

        private void le(long v, int bytes) {
            for (int i = 0; i < bytes; i++) {
                out.write((int) (v >>> (8 * i)) & 0xFF);
            }
        }
    }

    /** A zip of stored entries whose data start at multiples of 64 bytes (padding in the local extra field). */
    private static final class Zip {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream central = new ByteArrayOutputStream();
        private int count;

        void add(String name, byte[] data) {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            CRC32 crc = new CRC32();
            crc.update(data);
            int offset = out.size();
            int extra = (ALIGNMENT - (offset + 30 + n.length + 4) % ALIGNMENT) % ALIGNMENT + 4;
            header(out, 0x04034b50, false, crc.getValue(), data.length, n, extra, 0);
            out.writeBytes(n);
            le(out, 0x4246, 2); // "FB", the padding field torch uses
            le(out, extra - 4, 2);
            out.writeBytes(new byte[extra - 4]);
            out.writeBytes(data);
            header(central, 0x02014b50, true, crc.getValue(), data.length, n, 0, offset);
            central.writeBytes(n);
            count++;
        }

        byte[] finish() {
            int start = out.size();
            byte[] dir = central.toByteArray();
            out.writeBytes(dir);
            le(out, 0x06054b50, 4);
            le(out, 0, 2);
            le(out, 0, 2);
            le(out, count, 2);
            le(out, count, 2);
            le(out, dir.length, 4);
            le(out, start, 4);
            le(out, 0, 2);
            return out.toByteArray();
        }

        private static void header(ByteArrayOutputStream o, int signature, boolean centralEntry, long crc, int size,
                                   byte[] name, int extra, int offset) {
            le(o, signature, 4);
            if (centralEntry) {
                le(o, 20, 2); // version made by
            }
            le(o, 20, 2); // version needed
            le(o, 0, 2); // flags
            le(o, 0, 2); // stored
            le(o, 0, 2); // time
            le(o, 0, 2); // date
            le(o, crc, 4);
            le(o, size, 4);
            le(o, size, 4);
            le(o, name.length, 2);
            le(o, extra, 2);
            if (centralEntry) {
                le(o, 0, 2); // comment
                le(o, 0, 2); // disk
                le(o, 0, 2); // internal attributes
                le(o, 0, 4); // external attributes
                le(o, offset, 4);
            }
        }

        private static void le(ByteArrayOutputStream o, long v, int bytes) {
            for (int i = 0; i < bytes; i++) {
                o.write((int) (v >>> (8 * i)) & 0xFF);
            }
        }
    }

    /** The names added so far, in order. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }
}
