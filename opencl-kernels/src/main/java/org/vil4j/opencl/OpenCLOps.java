package org.vil4j.opencl;

import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.exception.CompileFailedException;
import com.aparapi.internal.kernel.KernelManager;
import org.vil4j.api.AdamWStep;
import org.vil4j.api.BackendUnavailableException;
import org.vil4j.api.MlstmGradients;
import org.vil4j.api.SgdStep;
import org.vil4j.api.SkipGateGradients;
import org.vil4j.api.IndexTable;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;
import org.vil4j.api.TransferStats;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

import static org.vil4j.opencl.DeviceProgram.*;

/**
 * {@link Ops} on one OpenCL device. Every tensor is an offset into the {@link DeviceProgram}'s float arena;
 * parameters sit at the bottom, the workspace stack above them. Host and device exchange data only through the
 * staging arrays, and every byte that crosses is counted.
 */
final class OpenCLOps implements Ops {
    static final int DEFAULT_ARENA_FLOATS = 4 << 20; // 16 MiB: a humongous object, which G1 never moves
    static final int DEFAULT_INDEX_INTS = 4 << 20;
    /** Aparapi keeps buffer sizes in an int of bytes. */
    static final long MAX_ARENA_FLOATS = (Integer.MAX_VALUE / 4) & ~1023;

    private final OpenCLDevices.Found found;
    private final OpenCLDevice device;
    private final DeviceProgram program;
    private final WorkspaceStack workspace = new WorkspaceStack();
    private int persistentTop;
    private int indexTop;
    private boolean started;
    private boolean closed;

    private long bytesIn, bytesOut, parameterBytes, setupBytes, transfers;

    OpenCLOps(OpenCLDevices.Found found, int arenaFloats) {
        this.found = found;
        this.device = found.device();
        this.program = new DeviceProgram(arenaFloats, DEFAULT_INDEX_INTS);
        program.setExplicit(true);
        KernelManager.instance().setPreferredDevices(program, new LinkedHashSet<>(List.of(device)));
        try {
            program.compile(device);
        } catch (CompileFailedException | RuntimeException e) {
            program.dispose();
            throw new BackendUnavailableException("OpenCL backend: the device program does not build on "
                    + found.info().name() + ": " + e.getMessage(), e);
        }
        requireOpenCL("compile");
        workspace.setBase(0);
    }

    @Override
    public String backendName() {
        return "opencl";
    }

    @Override
    public String deviceName() {
        var info = found.info();
        return info.name() + " (OpenCL " + info.kind() + ", " + info.platform() + ")";
    }

    /** Bytes reserved for the float arena on the device. */
    long arenaBytes() {
        return (long) program.mem.length * 4;
    }

    @Override
    public TransferStats transfers() {
        return new TransferStats(bytesIn, bytesOut, parameterBytes, setupBytes, transfers);
    }

    // ---- memory ----------------------------------------------------------------------------------------------

    @Override
    public Tensor upload(Shape shape, float[] data) {
        checkLength("upload", shape, data.length);
        DeviceTensor t = allocate(shape);
        stageIn(data, t.offset());
        bytesIn += 4L * data.length;
        return t;
    }

    @Override
    public Tensor parameter(Shape shape, float[] data) {
        checkLength("parameter", shape, data.length);
        if (!workspace.isEmpty()) {
            throw new IllegalStateException("parameter " + shape + ": create parameters before running operations "
                    + "(the workspace is in use)");
        }
        int n = data.length;
        ensureCapacity((long) persistentTop + n + 64);
        int offset = persistentTop;
        persistentTop = (persistentTop + n + 31) / 32 * 32;
        workspace.setBase(persistentTop);
        if (started) {
            stageIn(data, offset);
            parameterBytes += 4L * n;
        } else {
            // the arena is not on the device yet: it goes over whole at the first launch
            System.arraycopy(data, 0, program.mem, offset, n);
        }
        return new DeviceTensor(shape, offset, -1, 0);
    }

    @Override
    public void assign(Tensor parameter, float[] data) {
        DeviceTensor t = check("assign", parameter);
        checkLength("assign", t.shape(), data.length);
        if (started) {
            stageIn(data, t.offset());
            parameterBytes += 4L * data.length;
        } else {
            System.arraycopy(data, 0, program.mem, t.offset(), data.length);
        }
    }

    @Override
    public IndexTable indexTable(int rows, int cols, int[] data) {
        if ((long) rows * cols != data.length) {
            throw new ShapeMismatchException("indexTable: " + rows + "x" + cols + " needs " + (long) rows * cols
                    + " entries, got " + data.length);
        }
        int n = data.length;
        if ((long) indexTop + n > program.index.length) {
            growIndex((long) indexTop + n);
        }
        int offset = indexTop;
        indexTop += n;
        if (started) {
            if (program.stageIndex.length != n) {
                program.stageIndex = data.clone(); // a new field value: Aparapi copies it when it makes the buffer
            } else {
                System.arraycopy(data, 0, program.stageIndex, 0, n);
                program.put(program.stageIndex);
            }
            parameterBytes += 4L * n;
            transfers++;
            args(n, offset);
            launch1D(OP_COPY_INDEX_IN, n);
        } else {
            System.arraycopy(data, 0, program.index, offset, n);
        }
        int min = Integer.MAX_VALUE, max = Integer.MIN_VALUE;
        for (int v : data) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return new DeviceIndexTable(rows, cols, offset, min, max);
    }

    @Override
    public float[] download(Tensor tensor) {
        DeviceTensor t = check("download", tensor);
        int n = t.size();
        if (!started) {
            return Arrays.copyOfRange(program.mem, t.offset(), t.offset() + n);
        }
        if (program.stageOut.length != n) {
            program.stageOut = new float[n];
            setupBytes += 4L * n; // Aparapi initialises a new buffer from the host array
        }
        args(n, t.offset());
        launch1D(OP_COPY_OUT, n);
        program.get(program.stageOut);
        bytesOut += 4L * n;
        transfers++;
        return program.stageOut.clone();
    }

    @Override
    public long mark() {
        return workspace.top();
    }

    @Override
    public void release(long mark) {
        workspace.release(mark);
    }

    @Override
    public Tensor keep(long mark, Tensor keep) {
        DeviceTensor t = check("keep", keep);
        int n = t.size();
        // park the values above everything live, then move them down to the mark: neither copy overlaps
        DeviceTensor parked = allocate(t.shape());
        copy(t.offset(), parked.offset(), n);
        release(mark);
        DeviceTensor kept = allocate(t.shape());
        copy(parked.offset(), kept.offset(), n);
        return kept;
    }

    @Override
    public Tensor reshape(Tensor x, Shape shape) {
        DeviceTensor t = check("reshape", x);
        if (t.shape().sizeLong() != shape.sizeLong()) {
            throw new ShapeMismatchException("reshape: " + t.shape() + " has " + t.shape().sizeLong()
                    + " elements, " + shape + " needs " + shape.sizeLong());
        }
        return new DeviceTensor(shape, t.offset(), t.slot(), t.serial());
    }

    // ---- dense algebra ---------------------------------------------------------------------------------------

    @Override
    public Tensor linear(Tensor xt, Tensor wt, Tensor bt) {
        DeviceTensor x = check("linear", xt), w = check("linear", wt);
        DeviceTensor b = bt == null ? null : check("linear", bt);
        int k = x.shape().last();
        if (w.shape().rank() != 2 || w.shape().dim(1) != k) {
            throw new ShapeMismatchException("linear: x " + x.shape() + " and w " + w.shape() + " disagree on K");
        }
        int m = w.shape().dim(0);
        if (b != null && (b.shape().size() != m)) {
            throw new ShapeMismatchException("linear: bias " + b.shape() + " does not match w " + w.shape());
        }
        int rows = x.shape().rows();
        DeviceTensor out = allocate(x.shape().withLast(m));
        gemm(rows, m, k, x.offset(), k, 1, w.offset(), 1, k, out.offset(), m, 1, 0, 0, 0, 0, 0, 0,
                b == null ? EPI_STORE : EPI_BIAS, b == null ? 0 : b.offset(), 0, 0, 1f, false);
        return out;
    }

    @Override
    public Tensor matmul(Tensor at, Tensor ct) {
        DeviceTensor a = check("matmul", at), c = check("matmul", ct);
        Shape as = a.shape(), cs = c.shape();
        int batch = as.rank() == 3 ? as.dim(0) : 1;
        int cBatch = cs.rank() == 3 ? cs.dim(0) : 1;
        if (as.rank() < 2 || as.rank() > 3 || cs.rank() < 2 || cs.rank() > 3 || as.dim(-1) != cs.dim(-2)
                || (cBatch != batch && cBatch != 1)) {
            throw new ShapeMismatchException("matmul: cannot multiply " + as + " by " + cs);
        }
        int i = as.dim(-2), k = as.dim(-1), j = cs.dim(-1);
        DeviceTensor out = allocate(as.rank() == 3 ? Shape.of(batch, i, j) : Shape.of(i, j));
        gemm(i, j, k, a.offset(), k, 1, c.offset(), j, 1, out.offset(), j, 1, i * k, 0,
                cBatch == 1 ? 0 : k * j, 0, i * j, 0, EPI_STORE, 0, 0, 0, 1f, false, batch);
        return out;
    }

    @Override
    public Tensor headwiseLinear(Tensor xt, Tensor wt, Tensor bt) {
        DeviceTensor x = check("headwiseLinear", xt), w = check("headwiseLinear", wt);
        DeviceTensor b = bt == null ? null : check("headwiseLinear", bt);
        Shape ws = w.shape();
        if (ws.rank() != 3 || ws.dim(1) != ws.dim(2) || ws.dim(0) * ws.dim(1) != x.shape().last()
                || (b != null && b.shape().size() != x.shape().last())) {
            throw new ShapeMismatchException("headwiseLinear: x " + x.shape() + ", w " + ws
                    + (b == null ? "" : ", bias " + b.shape()) + " do not fit");
        }
        DeviceTensor out = allocate(x.shape());
        int n = out.size();
        args(n, ws.dim(0), ws.dim(1), x.offset(), w.offset(), b == null ? -1 : b.offset(), out.offset());
        launch1D(OP_HEADWISE, n);
        return out;
    }

    @Override
    public Tensor transpose(Tensor xt) {
        DeviceTensor x = check("transpose", xt);
        Shape s = x.shape();
        if (s.rank() != 2 && s.rank() != 3) {
            throw new ShapeMismatchException("transpose: needs [B,R,C] or [R,C], got " + s);
        }
        int b = s.rank() == 3 ? s.dim(0) : 1, r = s.dim(-2), c = s.dim(-1);
        DeviceTensor out = allocate(s.rank() == 3 ? Shape.of(b, c, r) : Shape.of(c, r));
        int n = out.size();
        args(n, r, c, x.offset(), out.offset());
        launch1D(OP_TRANSPOSE, n);
        return out;
    }

    // ---- normalisation and element-wise -----------------------------------------------------------------------

    @Override
    public Tensor layerNorm(Tensor xt, int groupSize, Tensor wt, boolean residualWeight, Tensor bt, float eps) {
        DeviceTensor x = check("layerNorm", xt);
        DeviceTensor w = wt == null ? null : check("layerNorm", wt);
        DeviceTensor b = bt == null ? null : check("layerNorm", bt);
        int c = x.shape().last();
        if (groupSize <= 0 || c % groupSize != 0 || (w != null && w.size() != c) || (b != null && b.size() != c)) {
            throw new ShapeMismatchException("layerNorm: x " + x.shape() + ", group " + groupSize
                    + (w == null ? "" : ", weight " + w.shape()) + (b == null ? "" : ", bias " + b.shape())
                    + " do not fit");
        }
        DeviceTensor out = allocate(x.shape());
        int n = x.shape().rows() * (c / groupSize);
        args(n, groupSize, c, x.offset(), out.offset(), w == null ? -1 : w.offset(), residualWeight ? 1 : 0,
                b == null ? -1 : b.offset());
        program.f0 = eps;
        launch1D(OP_LAYER_NORM, n);
        return out;
    }

    @Override
    public Tensor add(Tensor at, Tensor bt) {
        DeviceTensor a = check("add", at), b = check("add", bt);
        if (!isTrailingShape(b.shape(), a.shape())) {
            throw new ShapeMismatchException("add: " + b.shape() + " is neither " + a.shape()
                    + " nor a trailing part of it");
        }
        return elementwise(EW_ADD, a, b, null, null, b.size(), 0f);
    }

    @Override
    public Tensor mul(Tensor at, Tensor bt) {
        DeviceTensor a = check("mul", at), b = check("mul", bt);
        sameShape("mul", a, b);
        return elementwise(EW_MUL, a, b, null, null, 1, 0f);
    }

    @Override
    public Tensor scale(Tensor xt, float s) {
        return elementwise(EW_SCALE, check("scale", xt), null, null, null, 1, s);
    }

    @Override
    public Tensor silu(Tensor xt) {
        return elementwise(EW_SILU, check("silu", xt), null, null, null, 1, 0f);
    }

    @Override
    public Tensor skipGate(Tensor ht, Tensor skipt, Tensor at, Tensor zt) {
        DeviceTensor h = check("skipGate", ht), skip = check("skipGate", skipt);
        DeviceTensor a = check("skipGate", at), z = check("skipGate", zt);
        sameShape("skipGate", h, a);
        sameShape("skipGate", h, z);
        if (skip.size() != h.shape().last()) {
            throw new ShapeMismatchException("skipGate: skip " + skip.shape() + " does not match " + h.shape());
        }
        return elementwise(EW_SKIP_GATE, h, a, z, skip, skip.size(), 0f);
    }

    private DeviceTensor elementwise(int mode, DeviceTensor x, DeviceTensor y, DeviceTensor z, DeviceTensor w,
                                     int period, float scalar) {
        DeviceTensor out = allocate(x.shape());
        int n = out.size();
        args(n, mode, out.offset(), x.offset(), y == null ? 0 : y.offset(), z == null ? 0 : z.offset(),
                w == null ? 0 : w.offset(), Math.max(period, 1));
        program.f0 = scalar;
        launch1D(OP_ELEMENTWISE, n);
        return out;
    }

    // ---- token movement ---------------------------------------------------------------------------------------

    @Override
    public Tensor gatherTokens(Tensor xt, IndexTable index) {
        DeviceTensor x = check("gatherTokens", xt);
        DeviceIndexTable idx = checkTable("gatherTokens", index, 1);
        requireRank("gatherTokens", x, 3);
        Shape s = x.shape();
        DeviceTensor out = allocate(Shape.of(s.dim(0), idx.rows(), s.dim(2)));
        gather(x, idx, out, -1);
        return out;
    }

    @Override
    public Tensor addGatheredTokens(Tensor residualt, Tensor yt, IndexTable index) {
        DeviceTensor r = check("addGatheredTokens", residualt), y = check("addGatheredTokens", yt);
        DeviceIndexTable idx = checkTable("addGatheredTokens", index, 1);
        requireRank("addGatheredTokens", r, 3);
        requireRank("addGatheredTokens", y, 3);
        if (r.shape().dim(0) != y.shape().dim(0) || r.shape().dim(2) != y.shape().dim(2)
                || idx.rows() != r.shape().dim(1)) {
            throw new ShapeMismatchException("addGatheredTokens: residual " + r.shape() + ", branch " + y.shape()
                    + " and an index of " + idx.rows() + " rows do not fit");
        }
        DeviceTensor out = allocate(r.shape());
        gather(y, idx, out, r.offset());
        return out;
    }

    private void gather(DeviceTensor x, DeviceIndexTable idx, DeviceTensor out, int residualOffset) {
        Shape s = x.shape();
        if (idx.rows() > 0 && (idx.min() < 0 || idx.max() >= s.dim(1))) {
            throw new ShapeMismatchException("gatherTokens: index entries [" + idx.min() + ", " + idx.max()
                    + "] are outside the " + s.dim(1) + " tokens of " + s);
        }
        int n = out.size();
        args(n, idx.rows(), s.dim(2), s.dim(1), x.offset(), idx.offset(), out.offset(), residualOffset);
        launch1D(OP_GATHER_TOKENS, n);
    }

    @Override
    public Tensor columns(Tensor xt, int start, int count) {
        DeviceTensor x = check("columns", xt);
        int c = x.shape().last();
        if (start < 0 || count < 0 || start + count > c) {
            throw new ShapeMismatchException("columns: [" + start + ", " + (start + count) + ") is outside "
                    + x.shape());
        }
        DeviceTensor out = allocate(x.shape().withLast(count));
        copyColumns(x, start, count, out, 0);
        return out;
    }

    @Override
    public Tensor concatColumns(Tensor at, Tensor bt) {
        DeviceTensor a = check("concatColumns", at), b = check("concatColumns", bt);
        if (a.shape().rows() != b.shape().rows() || a.shape().rank() != b.shape().rank()) {
            throw new ShapeMismatchException("concatColumns: " + a.shape() + " and " + b.shape()
                    + " have different rows");
        }
        int ca = a.shape().last(), cb = b.shape().last();
        DeviceTensor out = allocate(a.shape().withLast(ca + cb));
        copyColumns(a, 0, ca, out, 0);
        copyColumns(b, 0, cb, out, ca);
        return out;
    }

    private void copyColumns(DeviceTensor x, int start, int count, DeviceTensor out, int outColumn) {
        int n = x.shape().rows() * count;
        args(n, count, x.offset(), x.shape().last(), start, out.offset(), out.shape().last(), outColumn);
        launch1D(OP_COPY_COLUMNS, n);
    }

    // ---- convolutions -----------------------------------------------------------------------------------------

    @Override
    public Tensor depthwiseConv(Tensor xt, IndexTable neighbours, Tensor wt, Tensor bt) {
        DeviceTensor x = check("depthwiseConv", xt), w = check("depthwiseConv", wt);
        DeviceTensor b = bt == null ? null : check("depthwiseConv", bt);
        requireRank("depthwiseConv", x, 3);
        DeviceIndexTable nb = checkTable("depthwiseConv", neighbours, -1);
        Shape s = x.shape();
        int c = s.dim(2), k = nb.cols();
        if (nb.rows() != s.dim(1) || w.size() != c * k || (b != null && b.size() != c)
                || (nb.rows() > 0 && (nb.min() < -1 || nb.max() >= s.dim(1)))) {
            throw new ShapeMismatchException("depthwiseConv: x " + s + ", neighbours " + nb.rows() + "x" + k
                    + ", w " + w.shape() + (b == null ? "" : ", bias " + b.shape()) + " do not fit");
        }
        DeviceTensor out = allocate(s);
        int n = out.size();
        args(n, s.dim(1), c, k, x.offset(), nb.offset(), w.offset(), b == null ? -1 : b.offset(), out.offset());
        launch1D(OP_DEPTHWISE_CONV, n);
        return out;
    }

    @Override
    public Tensor patchify(Tensor xt, int ph, int pw, int sh, int sw) {
        DeviceTensor x = check("patchify", xt);
        requireRank("patchify", x, 4);
        Shape s = x.shape();
        int b = s.dim(0), c = s.dim(1), h = s.dim(2), w = s.dim(3);
        if (ph <= 0 || pw <= 0 || sh <= 0 || sw <= 0 || h < ph || w < pw) {
            throw new ShapeMismatchException("patchify: image " + s + " cannot hold " + ph + "x" + pw
                    + " patches with stride " + sh + "x" + sw);
        }
        int gh = (h - ph) / sh + 1, gw = (w - pw) / sw + 1;
        DeviceTensor out = allocate(Shape.of(b, gh * gw, c * ph * pw));
        int n = out.size();
        args(n, c, h, w, ph, pw, sh, sw, gh, gw, x.offset(), out.offset());
        launch1D(OP_PATCHIFY, n);
        return out;
    }

    // ---- sequence mixing -------------------------------------------------------------------------------------

    @Override
    public Tensor mlstm(Tensor qt, Tensor kt, Tensor vt, Tensor it, Tensor ft, int numHeads, float eps) {
        DeviceTensor q = check("mlstm", qt), k = check("mlstm", kt), v = check("mlstm", vt);
        DeviceTensor ig = check("mlstm", it), fg = check("mlstm", ft);
        requireRank("mlstm", q, 3);
        sameShape("mlstm", q, k);
        sameShape("mlstm", q, v);
        Shape s = q.shape();
        int b = s.dim(0), len = s.dim(1), width = s.dim(2);
        if (numHeads <= 0 || width % numHeads != 0 || !ig.shape().equals(Shape.of(b, len, numHeads))
                || !fg.shape().equals(ig.shape())) {
            throw new ShapeMismatchException("mlstm: q " + s + " with " + numHeads + " heads needs gates ["
                    + b + "," + len + "," + numHeads + "], got " + ig.shape() + " and " + fg.shape());
        }
        int dh = width / numHeads;
        int z = b * numHeads;
        long mark = mark();
        DeviceTensor fHi = allocate(Shape.of(z, len));
        DeviceTensor fLo = allocate(Shape.of(z, len));
        DeviceTensor m = allocate(Shape.of(z, len));
        DeviceTensor argmax = allocate(Shape.of(z, len));
        DeviceTensor scores = allocate(Shape.of(z, len, len));
        DeviceTensor norm = allocate(Shape.of(z, len));
        DeviceTensor h = allocate(s);
        args(z, len, numHeads, ig.offset(), fg.offset(), fHi.offset(), fLo.offset(), m.offset(), argmax.offset());
        launch1D(OP_MLSTM_PREFIX, z);
        // scores[z][t][s] = (q_t . k_s) / sqrt(DH) * D[t][s]; the epilogue reads the gates through a23/a24
        program.a23 = ig.offset();
        program.a24 = numHeads;
        int seqStride = len * width;
        gemm(len, len, dh, q.offset(), width, 1, k.offset(), 1, width, scores.offset(), len, numHeads,
                seqStride, dh, seqStride, dh, numHeads * len * len, len * len,
                EPI_MLSTM_SCORES, fHi.offset(), fLo.offset(), argmax.offset(), (float) (1.0 / Math.sqrt(dh)), false, z);
        args(z * len, len, scores.offset(), m.offset(), norm.offset());
        program.f0 = eps;
        launch1D(OP_MLSTM_ROW_NORM, z * len);
        // h_t = sum_s scores[t][s] v_s / norm_t, written head-major into [B, S, NH*DH]
        gemm(len, dh, len, scores.offset(), len, 1, v.offset(), width, 1, h.offset(), width, numHeads,
                numHeads * len * len, len * len, seqStride, dh, seqStride, dh,
                EPI_MLSTM_VALUES, norm.offset(), 0, 0, 1f, true, z);
        return keep(mark, h);
    }

    // ---- gradients: not on the device yet (work in progress) ----

    @Override
    public Tensor columnSums(Tensor x) {
        throw new UnsupportedOperationException("columnSums is not implemented on OpenCL yet");
    }

    @Override
    public Tensor linearWeightGradient(Tensor x, Tensor dy) {
        throw new UnsupportedOperationException("linearWeightGradient is not implemented on OpenCL yet");
    }

    @Override
    public Tensor headwiseWeightGradient(Tensor x, Tensor dy, int numHeads) {
        throw new UnsupportedOperationException("headwiseWeightGradient is not implemented on OpenCL yet");
    }

    @Override
    public Tensor layerNormBackward(Tensor x, Tensor dy, int groupSize, Tensor weight, boolean residualWeight, float eps) {
        throw new UnsupportedOperationException("layerNormBackward is not implemented on OpenCL yet");
    }

    @Override
    public Tensor siluBackward(Tensor x, Tensor dy) {
        throw new UnsupportedOperationException("siluBackward is not implemented on OpenCL yet");
    }

    @Override
    public SkipGateGradients skipGateBackward(Tensor h, Tensor skip, Tensor a, Tensor z, Tensor dy) {
        throw new UnsupportedOperationException("skipGateBackward is not implemented on OpenCL yet");
    }

    @Override
    public Tensor gatherSum(Tensor x, IndexTable table, int tokens) {
        throw new UnsupportedOperationException("gatherSum is not implemented on OpenCL yet");
    }

    @Override
    public Tensor scaleSamples(Tensor x, Tensor scales) {
        throw new UnsupportedOperationException("scaleSamples is not implemented on OpenCL yet");
    }

    @Override
    public Tensor placeColumns(Tensor x, int start, int totalColumns) {
        throw new UnsupportedOperationException("placeColumns is not implemented on OpenCL yet");
    }

    @Override
    public Tensor depthwiseConvBackwardInput(Tensor dy, IndexTable inverse, Tensor w) {
        throw new UnsupportedOperationException("depthwiseConvBackwardInput is not implemented on OpenCL yet");
    }

    @Override
    public Tensor depthwiseConvWeightGradient(Tensor x, Tensor dy, IndexTable neighbours) {
        throw new UnsupportedOperationException("depthwiseConvWeightGradient is not implemented on OpenCL yet");
    }

    @Override
    public Tensor unpatchify(Tensor patches, int channels, int height, int width, int ph, int pw, int sh, int sw) {
        throw new UnsupportedOperationException("unpatchify is not implemented on OpenCL yet");
    }

    @Override
    public MlstmGradients mlstmBackward(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, Tensor dh, int numHeads, float eps) {
        throw new UnsupportedOperationException("mlstmBackward is not implemented on OpenCL yet");
    }

    @Override
    public Tensor sumOfSquares(Tensor x) {
        throw new UnsupportedOperationException("sumOfSquares is not implemented on OpenCL yet");
    }

    @Override
    public void adamwUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step) {
        throw new UnsupportedOperationException("adamwUpdate is not implemented on OpenCL yet");
    }

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, SgdStep step) {
        throw new UnsupportedOperationException("sgdUpdate is not implemented on OpenCL yet");
    }

    @Override
    public void movingAverage(Tensor target, Tensor source, float decay) {
        throw new UnsupportedOperationException("movingAverage is not implemented on OpenCL yet");
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            program.dispose();
        }
    }

    // ---- launching --------------------------------------------------------------------------------------------

    private void gemm(int m, int n, int k, int a, int aRow, int aK, int b, int bK, int bCol, int c, int cRow,
                      int inner, int aOuter, int aInner, int bOuter, int bInner, int cOuter, int cInner,
                      int epilogue, int e0, int e1, int e2, float alpha, boolean causalA) {
        gemm(m, n, k, a, aRow, aK, b, bK, bCol, c, cRow, inner, aOuter, aInner, bOuter, bInner, cOuter, cInner,
                epilogue, e0, e1, e2, alpha, causalA, 1);
    }

    private void gemm(int m, int n, int k, int a, int aRow, int aK, int b, int bK, int bCol, int c, int cRow,
                      int inner, int aOuter, int aInner, int bOuter, int bInner, int cOuter, int cInner,
                      int epilogue, int e0, int e1, int e2, float alpha, boolean causalA, int batches) {
        if (m == 0 || n == 0 || batches == 0) {
            return;
        }
        args(m, n, k, a, aRow, aK, b, bK, bCol, c, cRow, inner, aOuter, aInner, bOuter, bInner, cOuter, cInner,
                epilogue, e0, e1, e2, causalA ? 1 : 0);
        program.f0 = alpha;
        int gx = (n + TILE - 1) / TILE * GROUP;
        int gy = (m + TILE - 1) / TILE * GROUP;
        launch(OP_GEMM, Range.create3D(device, gx, gy, batches, GROUP, GROUP, 1));
    }

    private void launch1D(int op, int n) {
        if (n == 0) {
            return;
        }
        int local = 64;
        launch(op, Range.create(device, (n + local - 1) / local * local, local));
    }

    private void launch(int op, Range range) {
        if (closed) {
            throw new IllegalStateException("this OpenCL backend instance is closed");
        }
        if (!started) {
            started = true;
            // the first launch creates every device buffer from its host array
            parameterBytes += 4L * persistentTop + 4L * indexTop;
            setupBytes += 4L * (program.mem.length - persistentTop) + 4L * (program.index.length - indexTop)
                    + 4L * (program.stageOut.length + program.stageIndex.length);
            transfers += 2;
        }
        program.op = op;
        program.execute(range);
        requireOpenCL("op " + op);
    }

    /** Aparapi falls back to Java threads silently on any failure; never let that pass as OpenCL. */
    private void requireOpenCL(String what) {
        if (!program.isRunningCL() || !device.equals(program.getTargetDevice())) {
            throw new BackendUnavailableException("OpenCL backend: " + what + " did not run on "
                    + found.info().name() + " (Aparapi fell back to " + program.getTargetDevice()
                    + "); see the log above for the OpenCL error");
        }
    }

    private void args(int... values) {
        DeviceProgram p = program;
        int[] v = Arrays.copyOf(values, 23);
        p.a0 = v[0]; p.a1 = v[1]; p.a2 = v[2]; p.a3 = v[3]; p.a4 = v[4]; p.a5 = v[5]; p.a6 = v[6]; p.a7 = v[7];
        p.a8 = v[8]; p.a9 = v[9]; p.a10 = v[10]; p.a11 = v[11]; p.a12 = v[12]; p.a13 = v[13]; p.a14 = v[14];
        p.a15 = v[15]; p.a16 = v[16]; p.a17 = v[17]; p.a18 = v[18]; p.a19 = v[19]; p.a20 = v[20]; p.a21 = v[21];
        p.a22 = v[22];
    }

    private void stageIn(float[] data, int offset) {
        int n = data.length;
        if (n == 0) {
            return;
        }
        if (!started) {
            // nothing is on the device yet: the first launch brings the arena over anyway
            System.arraycopy(data, 0, program.mem, offset, n);
            return;
        }
        if (program.stageIn.length != n) {
            program.stageIn = data.clone(); // a new field value: Aparapi copies it when it makes the buffer
        } else {
            System.arraycopy(data, 0, program.stageIn, 0, n);
            program.put(program.stageIn);
        }
        transfers++;
        args(n, offset);
        launch1D(OP_COPY_IN, n);
    }

    private void copy(int from, int to, int n) {
        args(n, from, to);
        launch1D(OP_COPY, n);
    }

    private DeviceTensor allocate(Shape shape) {
        int n = shape.size();
        ensureCapacity(workspace.topAfter(n));
        int slot = workspace.push(n);
        return new DeviceTensor(shape, workspace.offsetOf(slot), slot, workspace.serialOf(slot));
    }

    private void ensureCapacity(long floats) {
        if (floats <= program.mem.length) {
            return;
        }
        long size = program.mem.length;
        while (size < floats) {
            size *= 2;
        }
        size = Math.min(size, MAX_ARENA_FLOATS);
        if (size < floats) {
            throw new BackendUnavailableException("OpenCL backend: " + floats * 4 + " bytes of tensors do not fit "
                    + "one Aparapi buffer (at most " + MAX_ARENA_FLOATS * 4 + " bytes); use a smaller batch");
        }
        float[] grown = new float[(int) size];
        if (started) {
            program.get(program.mem); // device-only results must survive the move
            setupBytes += 4L * program.mem.length + 4 * size;
            transfers += 2;
        }
        System.arraycopy(program.mem, 0, grown, 0, program.mem.length);
        program.mem = grown;
    }

    private void growIndex(long ints) {
        long size = program.index.length;
        while (size < ints) {
            size *= 2;
        }
        int[] grown = new int[(int) Math.min(size, MAX_ARENA_FLOATS)];
        if (started) {
            program.get(program.index);
            setupBytes += 4L * program.index.length + 4L * grown.length;
            transfers += 2;
        }
        System.arraycopy(program.index, 0, grown, 0, program.index.length);
        program.index = grown;
    }

    // ---- checks -----------------------------------------------------------------------------------------------

    private DeviceTensor check(String op, Tensor t) {
        if (!(t instanceof DeviceTensor d)) {
            throw new IllegalArgumentException(op + ": tensor " + (t == null ? "null" : t.shape())
                    + " does not belong to the OpenCL backend");
        }
        if (d.slot() >= 0 && !workspace.isLive(d.slot(), d.serial())) {
            throw new IllegalStateException(op + ": tensor " + d.shape() + " was released with its workspace");
        }
        return d;
    }

    private static DeviceIndexTable checkTable(String op, IndexTable t, int cols) {
        if (!(t instanceof DeviceIndexTable d)) {
            throw new IllegalArgumentException(op + ": index table does not belong to the OpenCL backend");
        }
        if (cols > 0 && d.cols() != cols) {
            throw new ShapeMismatchException(op + ": needs a " + cols + "-column index table, got "
                    + d.rows() + "x" + d.cols());
        }
        return d;
    }

    private static void checkLength(String op, Shape shape, int length) {
        if (shape.sizeLong() != length) {
            throw new ShapeMismatchException(op + ": shape " + shape + " needs " + shape.sizeLong()
                    + " values, got " + length);
        }
    }

    private static void sameShape(String op, DeviceTensor a, DeviceTensor b) {
        if (!a.shape().equals(b.shape())) {
            throw new ShapeMismatchException(op + ": shapes " + a.shape() + " and " + b.shape() + " differ");
        }
    }

    private static void requireRank(String op, DeviceTensor t, int rank) {
        if (t.shape().rank() != rank) {
            throw new ShapeMismatchException(op + ": needs a rank-" + rank + " tensor, got " + t.shape());
        }
    }

    private static boolean isTrailingShape(Shape small, Shape big) {
        int[] s = small.dims(), b = big.dims();
        if (s.length > b.length) {
            return false;
        }
        for (int i = 1; i <= s.length; i++) {
            if (s[s.length - i] != b[b.length - i]) {
                return false;
            }
        }
        return true;
    }
}
