package org.vil4j.backend.java;

import static org.vil4j.api.ShapeRequirements.isTrailing;
import static org.vil4j.api.ShapeRequirements.mismatch;
import static org.vil4j.api.ShapeRequirements.requireColumnsInside;
import static org.vil4j.api.ShapeRequirements.requireMinRank;
import static org.vil4j.api.ShapeRequirements.requireMlstmOperands;
import static org.vil4j.api.ShapeRequirements.requireRank;
import static org.vil4j.api.ShapeRequirements.requireSameShape;
import static org.vil4j.api.ShapeRequirements.requireVector;
import static org.vil4j.api.ShapeRequirements.sameLeading;
import static org.vil4j.api.ShapeRequirements.withDim;

import org.vil4j.api.AdamWStep;
import org.vil4j.api.AttentionGradients;
import org.vil4j.api.IndexTable;
import org.vil4j.api.MlstmGradients;
import org.vil4j.api.SgdStep;
import org.vil4j.api.SkipGateGradients;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.TransferStats;

/**
 * The op set on the JVM heap. Each op checks its handles and shapes here, allocates its result in the workspace
 * and leaves the loops to the kernel classes. Not thread-safe (one caller at a time, like a device queue); the
 * kernels themselves run in parallel.
 */
final class JavaOps implements Ops {
    private final String deviceName;
    private final Workspace workspace = new Workspace();
    private final TransferCounter transfers = new TransferCounter();
    private final MemoryMeter memory = new MemoryMeter();
    private boolean closed;

    JavaOps(String deviceName) {
        this.deviceName = deviceName;
    }

    @Override
    public String backendName() {
        return JavaBackend.NAME;
    }

    @Override
    public String deviceName() {
        return deviceName;
    }

    @Override
    public TransferStats transfers() {
        return transfers.snapshot();
    }

    // ---- memory ----------------------------------------------------------------------------------------------

    @Override
    public Tensor upload(Shape shape, float[] data) {
        requireOpen("upload");
        requireData("upload", shape, data);
        JavaTensor tensor = allocate(shape);
        System.arraycopy(data, 0, tensor.data(), 0, data.length);
        transfers.input(data.length);
        return tensor;
    }

    @Override
    public Tensor parameter(Shape shape, float[] data) {
        requireOpen("parameter");
        requireData("parameter", shape, data);
        transfers.parameter(data.length);
        memory.persistent(4L * data.length);
        return new JavaTensor(shape, new Storage(data.clone(), true), this);
    }

    @Override
    public void assign(Tensor parameter, float[] data) {
        JavaTensor target = live("assign", "parameter", parameter);
        if (!target.storage.persistent) {
            throw new IllegalArgumentException("assign: " + target.shape() + " is a workspace tensor, not a parameter");
        }
        requireData("assign", target.shape(), data);
        System.arraycopy(data, 0, target.data(), 0, data.length);
        transfers.parameter(data.length);
    }

    @Override
    public IndexTable indexTable(int rows, int cols, int[] data) {
        requireOpen("indexTable");
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("indexTable: negative size " + rows + "x" + cols);
        }
        if (data == null || (long) data.length != (long) rows * cols) {
            throw mismatch("indexTable", (data == null ? "no" : String.valueOf(data.length)) + " entries for a "
                    + rows + "x" + cols + " table");
        }
        int max = -1;
        for (int i = 0; i < data.length; i++) {
            if (data[i] < -1) {
                throw new IllegalArgumentException("indexTable: entry " + i + " is " + data[i]
                        + "; entries are positions or -1 for none");
            }
            max = Math.max(max, data[i]);
        }
        transfers.parameter(data.length);
        memory.persistent(4L * data.length);
        return new JavaIndexTable(rows, cols, data.clone(), max, this);
    }

    @Override
    public float[] download(Tensor tensor) {
        JavaTensor source = live("download", "tensor", tensor);
        transfers.output(source.data().length);
        return source.data().clone();
    }

    @Override
    public long mark() {
        requireOpen("mark");
        return workspace.mark();
    }

    @Override
    public void release(long mark) {
        requireOpen("release");
        workspace.release(mark);
    }

    @Override
    public Tensor keep(long mark, Tensor keep) {
        JavaTensor kept = live("keep", "keep", keep);
        return new JavaTensor(kept.shape(), workspace.keep(mark, kept.storage), this);
    }

    /** Every Java tensor is the whole of its storage: the storage's position in the workspace list. */
    @Override
    public long allocationOf(Tensor t) {
        JavaTensor tensor = live("allocationOf", "t", t);
        return tensor.storage.persistent ? -1 : tensor.storage.index;
    }

    @Override
    public boolean free(Tensor t) {
        JavaTensor tensor = live("free", "t", t);
        if (tensor.storage.persistent) {
            return false;
        }
        workspace.free(tensor.storage);
        return true;
    }

    @Override
    public void releaseExcept(long mark, java.util.Collection<Tensor> survivors) {
        requireOpen("releaseExcept");
        java.util.Set<Storage> keep = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Tensor t : survivors) {
            keep.add(live("releaseExcept", "survivor", t).storage);
        }
        workspace.releaseExcept(mark, keep);
    }

    @Override
    public Tensor reshape(Tensor x, Shape shape) {
        JavaTensor source = live("reshape", "x", x);
        if (source.shape().sizeLong() != shape.sizeLong()) {
            throw mismatch("reshape", "x " + source.shape() + " has " + source.shape().sizeLong() + " elements, "
                    + shape + " has " + shape.sizeLong());
        }
        return new JavaTensor(shape, source.storage, this);
    }

    // ---- dense algebra ---------------------------------------------------------------------------------------

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor bias) {
        String op = "linear";
        JavaTensor xs = live(op, "x", x);
        JavaTensor ws = live(op, "w", w);
        JavaTensor bs = optional(op, "bias", bias);
        requireMinRank(op, "x", xs.shape(), 1);
        requireRank(op, "w", ws.shape(), 2);
        int depth = xs.shape().last();
        if (ws.shape().dim(1) != depth) {
            throw mismatch(op, "x " + xs.shape() + " and w " + ws.shape() + " disagree on K");
        }
        int outFeatures = ws.shape().dim(0);
        if (bs != null) {
            requireVector(op, "bias", bs.shape(), outFeatures, "M of w " + ws.shape());
        }
        JavaTensor out = allocate(xs.shape().withLast(outFeatures));
        DenseKernels.linear(xs.data(), ws.data(), bs == null ? null : bs.data(), out.data(), xs.shape().rows(),
                depth, outFeatures);
        return out;
    }

    @Override
    public Tensor matmul(Tensor a, Tensor c) {
        String op = "matmul";
        JavaTensor as = live(op, "a", a);
        JavaTensor cs = live(op, "c", c);
        Shape aShape = as.shape();
        Shape cShape = cs.shape();
        requireRank(op, "a", aShape, 2, 3);
        requireRank(op, "c", cShape, 2, 3);
        int batch = aShape.rank() == 3 ? aShape.dim(0) : 1;
        int batchC = cShape.rank() == 3 ? cShape.dim(0) : 1;
        if (aShape.dim(-1) != cShape.dim(-2)) {
            throw mismatch(op, "a " + aShape + " and c " + cShape + " disagree on K");
        }
        // a single c is shared by every batch of a, as the OpenCL backend allows
        if (batchC != batch && batchC != 1) {
            throw mismatch(op, "a " + aShape + " and c " + cShape + " disagree on the batch");
        }
        int rows = aShape.dim(-2);
        int depth = aShape.dim(-1);
        int cols = cShape.dim(-1);
        Shape outShape = aShape.rank() == 3 ? Shape.of(batch, rows, cols) : Shape.of(rows, cols);
        JavaTensor out = allocate(outShape);
        DenseKernels.matmul(as.data(), cs.data(), out.data(), batch, batchC, rows, depth, cols);
        return out;
    }

    @Override
    public Tensor headwiseLinear(Tensor x, Tensor w, Tensor bias) {
        String op = "headwiseLinear";
        JavaTensor xs = live(op, "x", x);
        JavaTensor ws = live(op, "w", w);
        JavaTensor bs = optional(op, "bias", bias);
        requireMinRank(op, "x", xs.shape(), 1);
        requireRank(op, "w", ws.shape(), 3);
        int heads = ws.shape().dim(0);
        int d = ws.shape().dim(1);
        if (ws.shape().dim(2) != d) {
            throw mismatch(op, "w " + ws.shape() + " must be [NH, D, D]");
        }
        if ((long) heads * d != xs.shape().last()) {
            throw mismatch(op, "x " + xs.shape() + " and w " + ws.shape() + " disagree on the features (NH*D = "
                    + (long) heads * d + ")");
        }
        if (bs != null) {
            requireVector(op, "bias", bs.shape(), heads * d, "NH*D of w " + ws.shape());
        }
        JavaTensor out = allocate(xs.shape());
        DenseKernels.headwiseLinear(xs.data(), ws.data(), bs == null ? null : bs.data(), out.data(),
                xs.shape().rows(), heads, d);
        return out;
    }

    @Override
    public Tensor transpose(Tensor x) {
        JavaTensor xs = live("transpose", "x", x);
        Shape shape = xs.shape();
        requireRank("transpose", "x", shape, 2, 3);
        int batch = shape.rank() == 3 ? shape.dim(0) : 1;
        int rows = shape.dim(-2);
        int cols = shape.dim(-1);
        JavaTensor out = allocate(shape.rank() == 3 ? Shape.of(batch, cols, rows) : Shape.of(cols, rows));
        DenseKernels.transpose(xs.data(), out.data(), batch, rows, cols);
        return out;
    }

    // ---- normalisation and element-wise -----------------------------------------------------------------------

    @Override
    public Tensor layerNorm(Tensor x, int groupSize, Tensor weight, boolean residualWeight, Tensor bias, float eps) {
        String op = "layerNorm";
        JavaTensor xs = live(op, "x", x);
        JavaTensor wsOrNull = optional(op, "weight", weight);
        JavaTensor bsOrNull = optional(op, "bias", bias);
        requireMinRank(op, "x", xs.shape(), 1);
        int cols = xs.shape().last();
        if (groupSize < 1 || cols % groupSize != 0) {
            throw mismatch(op, "groupSize " + groupSize + " does not divide the " + cols + " features of x "
                    + xs.shape());
        }
        if (wsOrNull != null) {
            requireVector(op, "weight", wsOrNull.shape(), cols, "features of x " + xs.shape());
        }
        if (bsOrNull != null) {
            requireVector(op, "bias", bsOrNull.shape(), cols, "features of x " + xs.shape());
        }
        JavaTensor out = allocate(xs.shape());
        ElementwiseKernels.layerNorm(xs.data(), out.data(), xs.shape().rows(), cols, groupSize,
                wsOrNull == null ? null : wsOrNull.data(), residualWeight,
                bsOrNull == null ? null : bsOrNull.data(), eps);
        return out;
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        JavaTensor as = live("add", "a", a);
        JavaTensor bs = live("add", "b", b);
        if (!isTrailing(as.shape(), bs.shape())) {
            throw mismatch("add", "b " + bs.shape() + " is neither the shape of a " + as.shape()
                    + " nor of its trailing dimensions");
        }
        JavaTensor out = allocate(as.shape());
        ElementwiseKernels.add(as.data(), bs.data(), out.data());
        return out;
    }

    @Override
    public Tensor mul(Tensor a, Tensor b) {
        JavaTensor as = live("mul", "a", a);
        JavaTensor bs = live("mul", "b", b);
        requireSameShape("mul", "a", as.shape(), "b", bs.shape());
        JavaTensor out = allocate(as.shape());
        ElementwiseKernels.mul(as.data(), bs.data(), out.data());
        return out;
    }

    @Override
    public Tensor scale(Tensor x, float s) {
        JavaTensor xs = live("scale", "x", x);
        JavaTensor out = allocate(xs.shape());
        ElementwiseKernels.scale(xs.data(), s, out.data());
        return out;
    }

    @Override
    public Tensor silu(Tensor x) {
        JavaTensor xs = live("silu", "x", x);
        JavaTensor out = allocate(xs.shape());
        ElementwiseKernels.silu(xs.data(), out.data());
        return out;
    }

    @Override
    public Tensor skipGate(Tensor h, Tensor skip, Tensor a, Tensor z) {
        String op = "skipGate";
        JavaTensor hs = live(op, "h", h);
        JavaTensor skips = live(op, "skip", skip);
        JavaTensor as = live(op, "a", a);
        JavaTensor zs = live(op, "z", z);
        requireMinRank(op, "h", hs.shape(), 1);
        requireSameShape(op, "h", hs.shape(), "a", as.shape());
        requireSameShape(op, "h", hs.shape(), "z", zs.shape());
        int cols = hs.shape().last();
        requireVector(op, "skip", skips.shape(), cols, "features of h " + hs.shape());
        JavaTensor out = allocate(hs.shape());
        ElementwiseKernels.skipGate(hs.data(), skips.data(), as.data(), zs.data(), out.data(), cols);
        return out;
    }

    // ---- token movement --------------------------------------------------------------------------------------

    @Override
    public Tensor gatherTokens(Tensor x, IndexTable index) {
        String op = "gatherTokens";
        JavaTensor xs = live(op, "x", x);
        JavaIndexTable table = table(op, "index", index);
        requireMinRank(op, "x", xs.shape(), 2);
        requireSingleColumn(op, table);
        int seq = xs.shape().dim(-2);
        requireEntriesBelow(op, table, seq, "x " + xs.shape());
        int cols = xs.shape().last();
        JavaTensor out = allocate(withDim(xs.shape(), -2, table.rows()));
        TokenKernels.gather(xs.data(), table.data, out.data(), batchOf(xs.shape()), seq, cols);
        return out;
    }

    @Override
    public Tensor addGatheredTokens(Tensor residual, Tensor y, IndexTable index) {
        String op = "addGatheredTokens";
        JavaTensor rs = live(op, "residual", residual);
        JavaTensor ys = live(op, "y", y);
        JavaIndexTable table = table(op, "index", index);
        requireMinRank(op, "residual", rs.shape(), 2);
        Shape r = rs.shape();
        Shape yShape = ys.shape();
        if (r.rank() != yShape.rank() || !withDim(r, -2, 0).equals(withDim(yShape, -2, 0))) {
            throw mismatch(op, "residual " + r + " and y " + yShape + " differ in more than the token count");
        }
        requireSingleColumn(op, table);
        if (table.rows() != r.dim(-2)) {
            throw mismatch(op, "index has " + table.rows() + " rows but residual " + r + " has " + r.dim(-2)
                    + " tokens");
        }
        int seqY = yShape.dim(-2);
        requireEntriesBelow(op, table, seqY, "y " + yShape);
        JavaTensor out = allocate(r);
        TokenKernels.addGathered(rs.data(), ys.data(), table.data, out.data(), batchOf(r), seqY, r.last());
        return out;
    }

    @Override
    public Tensor columns(Tensor x, int start, int count) {
        JavaTensor xs = live("columns", "x", x);
        requireMinRank("columns", "x", xs.shape(), 1);
        int cols = xs.shape().last();
        if (start < 0 || count < 0 || (long) start + count > cols) {
            throw mismatch("columns", "[" + start + ", " + ((long) start + count) + ") is outside the " + cols
                    + " columns of x " + xs.shape());
        }
        JavaTensor out = allocate(xs.shape().withLast(count));
        TokenKernels.columns(xs.data(), out.data(), xs.shape().rows(), cols, start, count);
        return out;
    }

    @Override
    public Tensor concatColumns(Tensor a, Tensor b) {
        JavaTensor as = live("concatColumns", "a", a);
        JavaTensor bs = live("concatColumns", "b", b);
        requireMinRank("concatColumns", "a", as.shape(), 1);
        if (!sameLeading(as.shape(), bs.shape())) {
            throw mismatch("concatColumns", "a " + as.shape() + " and b " + bs.shape()
                    + " must agree on every dimension but the last");
        }
        int colsA = as.shape().last();
        int colsB = bs.shape().last();
        JavaTensor out = allocate(as.shape().withLast(colsA + colsB));
        int rows = colsA + colsB == 0 ? 0 : (int) (out.shape().sizeLong() / (colsA + colsB));
        TokenKernels.concatColumns(as.data(), bs.data(), out.data(), rows, colsA, colsB);
        return out;
    }

    // ---- convolutions ----------------------------------------------------------------------------------------

    @Override
    public Tensor depthwiseConv(Tensor x, IndexTable neighbours, Tensor w, Tensor bias) {
        String op = "depthwiseConv";
        JavaTensor xs = live(op, "x", x);
        JavaIndexTable table = table(op, "neighbours", neighbours);
        JavaTensor ws = live(op, "w", w);
        JavaTensor bs = optional(op, "bias", bias);
        Shape shape = xs.shape();
        requireMinRank(op, "x", shape, 2);
        int seq = shape.dim(-2);
        int channels = shape.last();
        if (table.rows() != seq) {
            throw mismatch(op, "neighbours has " + table.rows() + " rows but x " + shape + " has " + seq
                    + " tokens");
        }
        if (!ws.shape().equals(Shape.of(channels, table.cols()))) {
            throw mismatch(op, "w " + ws.shape() + " must be [C, K] = [" + channels + "," + table.cols()
                    + "] for x " + shape + " and " + table.cols() + " taps");
        }
        if (bs != null) {
            requireVector(op, "bias", bs.shape(), channels, "channels of x " + shape);
        }
        requireEntriesBelow(op, table, seq, "x " + shape);
        JavaTensor out = allocate(shape);
        ConvolutionKernels.depthwise(xs.data(), table.data, ws.data(), bs == null ? null : bs.data(), out.data(),
                batchOf(shape), seq, channels, table.cols());
        return out;
    }

    @Override
    public Tensor patchify(Tensor x, int ph, int pw, int sh, int sw) {
        String op = "patchify";
        JavaTensor xs = live(op, "x", x);
        Shape shape = xs.shape();
        requireRank(op, "x", shape, 4);
        if (ph < 1 || pw < 1 || sh < 1 || sw < 1) {
            throw new IllegalArgumentException(op + ": patch " + ph + "x" + pw + " and stride " + sh + "x" + sw
                    + " must be positive");
        }
        int height = shape.dim(2);
        int width = shape.dim(3);
        if (height < ph || width < pw) {
            throw mismatch(op, "x " + shape + " is smaller than a " + ph + "x" + pw + " patch");
        }
        int outH = (height - ph) / sh + 1;
        int outW = (width - pw) / sw + 1;
        int channels = shape.dim(1);
        JavaTensor out = allocate(Shape.of(shape.dim(0), outH * outW, channels * ph * pw));
        ConvolutionKernels.patchify(xs.data(), out.data(), shape.dim(0), channels, height, width, ph, pw, sh, sw,
                outH, outW);
        return out;
    }

    // ---- sequence mixing -------------------------------------------------------------------------------------

    @Override
    public Tensor mlstm(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads, float eps) {
        return mlstm(q, k, v, igate, fgate, numHeads, eps, MlstmForm.PARALLEL, 0);
    }

    @Override
    public boolean hasMlstmForm(MlstmForm form) {
        return true;
    }

    @Override
    public Tensor mlstm(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads, float eps,
                        MlstmForm form, int chunkSize) {
        String op = "mlstm";
        if (form == MlstmForm.CHUNKWISE && chunkSize < 1) {
            throw new IllegalArgumentException(op + ": chunk size " + chunkSize + " must be at least 1");
        }
        JavaTensor qs = live(op, "q", q);
        JavaTensor ks = live(op, "k", k);
        JavaTensor vs = live(op, "v", v);
        JavaTensor is = live(op, "igate", igate);
        JavaTensor fs = live(op, "fgate", fgate);
        Shape shape = qs.shape();
        requireMlstmOperands(op, shape, ks.shape(), vs.shape(), null, is.shape(), fs.shape(), numHeads);
        JavaTensor out = allocate(shape);
        int batch = shape.dim(0), seq = shape.dim(1), headDim = shape.last() / numHeads;
        // working arrays per (batch, head) task: q, k, v and the result as [S, DH]; the parallel form adds a gate
        // row and the cumulative gates of every head, the others a DH x DH state
        long perTask = 16L * seq * headDim + switch (form) {
            case PARALLEL -> 8L * seq;
            case RECURRENT -> 8L * headDim * (headDim + 2);
            case CHUNKWISE -> 8L * headDim * (headDim + 2) + 24L * chunkSize;
        };
        scratch(MemoryMeter.scratch(batch * numHeads, perTask,
                form == MlstmForm.PARALLEL ? 8L * batch * numHeads * (seq + 1) : 0));
        switch (form) {
            case PARALLEL -> MlstmKernel.forward(qs.data(), ks.data(), vs.data(), is.data(), fs.data(), out.data(),
                    batch, seq, numHeads, headDim, eps);
            case RECURRENT -> MlstmRecurrentKernel.forward(qs.data(), ks.data(), vs.data(), is.data(), fs.data(),
                    out.data(), batch, seq, numHeads, headDim, eps);
            case CHUNKWISE -> MlstmChunkwiseKernel.forward(qs.data(), ks.data(), vs.data(), is.data(), fs.data(),
                    out.data(), batch, seq, numHeads, headDim, eps, chunkSize);
        }
        return out;
    }

    // ---- gradients -------------------------------------------------------------------------------------------

    @Override
    public Tensor columnSums(Tensor x) {
        JavaTensor xs = live("columnSums", "x", x);
        requireMinRank("columnSums", "x", xs.shape(), 1);
        int cols = xs.shape().last();
        JavaTensor out = allocate(Shape.of(cols));
        GradientKernels.columnSums(xs.data(), out.data(), xs.shape().rows(), cols);
        return out;
    }

    @Override
    public Tensor linearWeightGradient(Tensor x, Tensor dy) {
        String op = "linearWeightGradient";
        JavaTensor xs = live(op, "x", x);
        JavaTensor dys = live(op, "dy", dy);
        requireMinRank(op, "x", xs.shape(), 1);
        requireSameRows(op, xs.shape(), dys.shape());
        int depth = xs.shape().last();
        int outFeatures = dys.shape().last();
        JavaTensor out = allocate(Shape.of(outFeatures, depth));
        GradientKernels.linearWeightGradient(xs.data(), dys.data(), out.data(), xs.shape().rows(), depth,
                outFeatures);
        return out;
    }

    @Override
    public Tensor headwiseWeightGradient(Tensor x, Tensor dy, int numHeads) {
        String op = "headwiseWeightGradient";
        JavaTensor xs = live(op, "x", x);
        JavaTensor dys = live(op, "dy", dy);
        requireSameShape(op, "x", xs.shape(), "dy", dys.shape());
        int features = xs.shape().last();
        if (numHeads < 1 || features % numHeads != 0) {
            throw mismatch(op, numHeads + " heads do not divide the " + features + " features of x " + xs.shape());
        }
        int d = features / numHeads;
        JavaTensor out = allocate(Shape.of(numHeads, d, d));
        GradientKernels.headwiseWeightGradient(xs.data(), dys.data(), out.data(), xs.shape().rows(), numHeads, d);
        return out;
    }

    @Override
    public Tensor layerNormBackward(Tensor x, Tensor dy, int groupSize, Tensor weight, boolean residualWeight,
                                    float eps) {
        String op = "layerNormBackward";
        JavaTensor xs = live(op, "x", x);
        JavaTensor dys = live(op, "dy", dy);
        JavaTensor ws = optional(op, "weight", weight);
        requireSameShape(op, "x", xs.shape(), "dy", dys.shape());
        int cols = xs.shape().last();
        if (groupSize < 1 || cols % groupSize != 0) {
            throw mismatch(op, "groupSize " + groupSize + " does not divide the " + cols + " features of x "
                    + xs.shape());
        }
        if (ws != null) {
            requireVector(op, "weight", ws.shape(), cols, "features of x " + xs.shape());
        }
        JavaTensor out = allocate(xs.shape());
        GradientKernels.layerNormBackward(xs.data(), dys.data(), out.data(), xs.shape().rows(), cols, groupSize,
                ws == null ? null : ws.data(), residualWeight, eps);
        return out;
    }

    @Override
    public Tensor siluBackward(Tensor x, Tensor dy) {
        JavaTensor xs = live("siluBackward", "x", x);
        JavaTensor dys = live("siluBackward", "dy", dy);
        requireSameShape("siluBackward", "x", xs.shape(), "dy", dys.shape());
        JavaTensor out = allocate(xs.shape());
        GradientKernels.siluBackward(xs.data(), dys.data(), out.data());
        return out;
    }

    @Override
    public SkipGateGradients skipGateBackward(Tensor h, Tensor skip, Tensor a, Tensor z, Tensor dy) {
        String op = "skipGateBackward";
        JavaTensor hs = live(op, "h", h);
        JavaTensor skips = live(op, "skip", skip);
        JavaTensor as = live(op, "a", a);
        JavaTensor zs = live(op, "z", z);
        JavaTensor dys = live(op, "dy", dy);
        requireMinRank(op, "h", hs.shape(), 1);
        requireSameShape(op, "h", hs.shape(), "a", as.shape());
        requireSameShape(op, "h", hs.shape(), "z", zs.shape());
        requireSameShape(op, "h", hs.shape(), "dy", dys.shape());
        int cols = hs.shape().last();
        requireVector(op, "skip", skips.shape(), cols, "features of h " + hs.shape());
        JavaTensor dh = allocate(hs.shape());
        JavaTensor da = allocate(hs.shape());
        JavaTensor dz = allocate(hs.shape());
        GradientKernels.skipGateBackward(hs.data(), skips.data(), as.data(), zs.data(), dys.data(), dh.data(),
                da.data(), dz.data(), cols);
        return new SkipGateGradients(dh, da, dz);
    }

    @Override
    public Tensor gatherSum(Tensor x, IndexTable table, int tokens) {
        String op = "gatherSum";
        JavaTensor xs = live(op, "x", x);
        JavaIndexTable t = table(op, "table", table);
        requireMinRank(op, "x", xs.shape(), 2);
        int seq = xs.shape().dim(-2);
        requireEntriesBelow(op, t, seq, "x " + xs.shape());
        if (tokens < 0) {
            throw new IllegalArgumentException(op + ": negative token count " + tokens);
        }
        JavaTensor out = allocate(withDim(xs.shape(), -2, tokens));
        GradientKernels.gatherSum(xs.data(), t.data, t.rows(), t.cols(), out.data(), batchOf(xs.shape()), seq,
                tokens, xs.shape().last());
        return out;
    }

    @Override
    public Tensor scaleSamples(Tensor x, Tensor scales) {
        JavaTensor xs = live("scaleSamples", "x", x);
        JavaTensor ss = live("scaleSamples", "scales", scales);
        requireMinRank("scaleSamples", "x", xs.shape(), 1);
        requireVector("scaleSamples", "scales", ss.shape(), xs.shape().dim(0), "samples of x " + xs.shape());
        JavaTensor out = allocate(xs.shape());
        GradientKernels.scaleSamples(xs.data(), ss.data(), out.data(), xs.shape().dim(0));
        return out;
    }

    @Override
    public Tensor placeColumns(Tensor x, int start, int totalColumns) {
        JavaTensor xs = live("placeColumns", "x", x);
        requireMinRank("placeColumns", "x", xs.shape(), 1);
        int count = xs.shape().last();
        if (start < 0 || (long) start + count > totalColumns) {
            throw mismatch("placeColumns", "[" + start + ", " + ((long) start + count) + ") is outside "
                    + totalColumns + " columns");
        }
        JavaTensor out = allocate(xs.shape().withLast(totalColumns));
        GradientKernels.placeColumns(xs.data(), out.data(), xs.shape().rows(), count, start, totalColumns);
        return out;
    }

    @Override
    public void addIntoColumns(Tensor target, Tensor x, int start) {
        JavaTensor ts = live("addIntoColumns", "target", target), xs = live("addIntoColumns", "x", x);
        requireColumnsInside("addIntoColumns", ts.shape(), xs.shape(), start);
        GradientKernels.addIntoColumns(xs.data(), ts.data(), xs.shape().rows(), xs.shape().last(), start,
                ts.shape().last());
    }

    @Override
    public Tensor depthwiseConvBackwardInput(Tensor dy, IndexTable inverse, Tensor w) {
        String op = "depthwiseConvBackwardInput";
        JavaTensor dys = live(op, "dy", dy);
        JavaIndexTable t = table(op, "inverse", inverse);
        JavaTensor ws = live(op, "w", w);
        Shape shape = dys.shape();
        requireMinRank(op, "dy", shape, 2);
        requireRank(op, "w", ws.shape(), 2);
        int seq = shape.dim(-2);
        int channels = shape.last();
        int taps = ws.shape().dim(1);
        if (ws.shape().dim(0) != channels || t.rows() != seq) {
            throw mismatch(op, "dy " + shape + ", w " + ws.shape() + " and an inverse table of " + t.rows()
                    + " rows disagree");
        }
        requireEntriesBelow(op, t, seq * taps, "dy " + shape + " with " + taps + " taps");
        JavaTensor out = allocate(shape);
        GradientKernels.depthwiseBackwardInput(dys.data(), t.data, t.cols(), ws.data(), out.data(), batchOf(shape),
                seq, channels, taps);
        return out;
    }

    @Override
    public Tensor depthwiseConvWeightGradient(Tensor x, Tensor dy, IndexTable neighbours) {
        String op = "depthwiseConvWeightGradient";
        JavaTensor xs = live(op, "x", x);
        JavaTensor dys = live(op, "dy", dy);
        JavaIndexTable t = table(op, "neighbours", neighbours);
        requireSameShape(op, "x", xs.shape(), "dy", dys.shape());
        requireMinRank(op, "x", xs.shape(), 2);
        int seq = xs.shape().dim(-2);
        if (t.rows() != seq) {
            throw mismatch(op, "neighbours has " + t.rows() + " rows but x " + xs.shape() + " has " + seq
                    + " tokens");
        }
        requireEntriesBelow(op, t, seq, "x " + xs.shape());
        int channels = xs.shape().last();
        JavaTensor out = allocate(Shape.of(channels, t.cols()));
        GradientKernels.depthwiseWeightGradient(xs.data(), dys.data(), t.data, out.data(), batchOf(xs.shape()), seq,
                channels, t.cols());
        return out;
    }

    @Override
    public Tensor unpatchify(Tensor patches, int channels, int height, int width, int ph, int pw, int sh, int sw) {
        String op = "unpatchify";
        JavaTensor ps = live(op, "patches", patches);
        requireRank(op, "patches", ps.shape(), 3);
        if (ph < 1 || pw < 1 || sh < 1 || sw < 1 || height < ph || width < pw) {
            throw new IllegalArgumentException(op + ": patch " + ph + "x" + pw + ", stride " + sh + "x" + sw
                    + " and image " + height + "x" + width + " do not fit");
        }
        int outH = (height - ph) / sh + 1;
        int outW = (width - pw) / sw + 1;
        Shape expected = Shape.of(ps.shape().dim(0), outH * outW, channels * ph * pw);
        requireSameShape(op, "patches", ps.shape(), "the patches of a " + channels + "x" + height + "x" + width
                + " image", expected);
        JavaTensor out = allocate(Shape.of(ps.shape().dim(0), channels, height, width));
        GradientKernels.unpatchify(ps.data(), out.data(), ps.shape().dim(0), channels, height, width, ph, pw, sh, sw,
                outH, outW);
        return out;
    }

    @Override
    public MlstmGradients mlstmBackward(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, Tensor dh,
                                        int numHeads, float eps) {
        return mlstmBackward(q, k, v, igate, fgate, dh, numHeads, eps, MlstmForm.PARALLEL, 0);
    }

    @Override
    public boolean hasMlstmBackwardForm(MlstmForm form) {
        return true;
    }

    @Override
    public MlstmGradients mlstmBackward(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, Tensor dh,
                                        int numHeads, float eps, MlstmForm form, int chunkSize) {
        String op = "mlstmBackward";
        if (form == MlstmForm.CHUNKWISE && chunkSize < 1) {
            throw new IllegalArgumentException(op + ": chunk size " + chunkSize + " must be at least 1");
        }
        JavaTensor qs = live(op, "q", q);
        JavaTensor ks = live(op, "k", k);
        JavaTensor vs = live(op, "v", v);
        JavaTensor is = live(op, "igate", igate);
        JavaTensor fs = live(op, "fgate", fgate);
        JavaTensor dhs = live(op, "dh", dh);
        Shape shape = qs.shape();
        Shape gates = requireMlstmOperands(op, shape, ks.shape(), vs.shape(), dhs.shape(), is.shape(), fs.shape(),
                numHeads);
        JavaTensor dq = allocate(shape);
        JavaTensor dk = allocate(shape);
        JavaTensor dv = allocate(shape);
        JavaTensor di = allocate(gates);
        JavaTensor df = allocate(gates);
        int batch = shape.dim(0), seq = shape.dim(1), headDim = shape.last() / numHeads;
        int chunk = form == MlstmForm.RECURRENT ? 1 : chunkSize;
        scratch(form == MlstmForm.PARALLEL
                // q, k, v, dh, dq, dk, dv as [S, DH]; four double rows; the cumulative gates of every head
                ? MemoryMeter.scratch(batch * numHeads, 28L * seq * headDim + 32L * seq,
                        8L * batch * numHeads * (seq + 1))
                : MemoryMeter.scratch(batch * numHeads, 4 * MlstmChunkwiseBackwardKernel.scratchFloats(seq, headDim)
                        + 8 * MlstmChunkwiseBackwardKernel.scratchDoubles(seq, headDim, chunk), 0));
        if (form == MlstmForm.PARALLEL) {
            MlstmBackwardKernel.backward(qs.data(), ks.data(), vs.data(), is.data(), fs.data(), dhs.data(), dq.data(),
                    dk.data(), dv.data(), di.data(), df.data(), batch, seq, numHeads, headDim, eps);
        } else {
            // the recurrent form's backward is the chunkwise one with the state carried after every token
            MlstmChunkwiseBackwardKernel.backward(qs.data(), ks.data(), vs.data(), is.data(), fs.data(), dhs.data(),
                    dq.data(), dk.data(), dv.data(), di.data(), df.data(), batch, seq, numHeads, headDim, eps,
                    chunk);
        }
        return new MlstmGradients(dq, dk, dv, di, df);
    }

    // ---- optimiser updates -----------------------------------------------------------------------------------

    @Override
    public Tensor sumOfSquares(Tensor x) {
        JavaTensor xs = live("sumOfSquares", "x", x);
        JavaTensor out = allocate(Shape.of(1));
        out.data()[0] = (float) OptimiserKernels.sumOfSquares(xs.data());
        return out;
    }

    @Override
    public void adamwUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step) {
        String op = "adamwUpdate";
        JavaTensor ps = persistent(op, "param", param);
        JavaTensor gs = live(op, "grad", grad);
        JavaTensor ms = persistent(op, "m", m);
        JavaTensor vs = persistent(op, "v", v);
        requireSameSize(op, ps, gs, ms, vs);
        OptimiserKernels.adamw(ps.data(), gs.data(), ms.data(), vs.data(), step);
    }

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, SgdStep step) {
        String op = "sgdUpdate";
        JavaTensor ps = persistent(op, "param", param);
        JavaTensor gs = live(op, "grad", grad);
        JavaTensor vs = persistent(op, "velocity", velocity);
        requireSameSize(op, ps, gs, vs);
        OptimiserKernels.sgd(ps.data(), gs.data(), vs.data(), step);
    }

    @Override
    public void copyInto(Tensor target, Tensor source) {
        JavaTensor ts = persistent("copyInto", "target", target);
        JavaTensor ss = live("copyInto", "source", source);
        requireSameSize("copyInto", ts, ss);
        System.arraycopy(ss.data(), 0, ts.data(), 0, ts.data().length);
    }

    @Override
    public void movingAverage(Tensor target, Tensor source, float decay) {
        JavaTensor ts = persistent("movingAverage", "target", target);
        JavaTensor ss = live("movingAverage", "source", source);
        requireSameSize("movingAverage", ts, ss);
        OptimiserKernels.movingAverage(ts.data(), ss.data(), decay);
    }

    private JavaTensor persistent(String op, String role, Tensor tensor) {
        JavaTensor t = live(op, role, tensor);
        if (!t.storage.persistent) {
            throw new IllegalArgumentException(op + ": " + role + " " + t.shape()
                    + " is a workspace tensor; updates write persistent tensors (parameters, optimiser state)");
        }
        return t;
    }

    private static void requireSameSize(String op, JavaTensor first, JavaTensor... others) {
        for (JavaTensor other : others) {
            if (other.shape().sizeLong() != first.shape().sizeLong()) {
                throw mismatch(op, first.shape() + " and " + other.shape() + " differ in size");
            }
        }
    }

    private static void requireSameRows(String op, Shape x, Shape dy) {
        if (x.rank() < 1 || dy.rank() < 1 || x.sizeLong() / x.last() != dy.sizeLong() / Math.max(1, dy.last())) {
            throw mismatch(op, "x " + x + " and dy " + dy + " have different row counts");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            workspace.clear();
        }
    }

    // ---- transformer ops -------------------------------------------------------------------------------------

    @Override
    public Tensor gelu(Tensor x) {
        JavaTensor xs = live("gelu", "x", x);
        JavaTensor out = allocate(xs.shape());
        TransformerKernels.gelu(xs.data(), out.data());
        return out;
    }

    @Override
    public Tensor geluBackward(Tensor x, Tensor dy) {
        JavaTensor xs = live("geluBackward", "x", x);
        JavaTensor dys = live("geluBackward", "dy", dy);
        requireSameShape("geluBackward", "x", xs.shape(), "dy", dys.shape());
        JavaTensor out = allocate(xs.shape());
        TransformerKernels.geluBackward(xs.data(), dys.data(), out.data());
        return out;
    }

    @Override
    public Tensor scaleChannels(Tensor x, Tensor w) {
        JavaTensor xs = live("scaleChannels", "x", x);
        JavaTensor ws = live("scaleChannels", "w", w);
        requireMinRank("scaleChannels", "x", xs.shape(), 1);
        requireVector("scaleChannels", "w", ws.shape(), xs.shape().last(), "features of x " + xs.shape());
        JavaTensor out = allocate(xs.shape());
        TransformerKernels.scaleChannels(xs.data(), ws.data(), out.data());
        return out;
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, int numHeads, float scale) {
        String op = "attention";
        JavaTensor qs = live(op, "q", q), ks = live(op, "k", k), vs = live(op, "v", v);
        int dh = attentionHeadDim(op, qs.shape(), ks.shape(), vs.shape(), numHeads);
        Shape sh = qs.shape();
        JavaTensor out = allocate(sh);
        TransformerKernels.attention(qs.data(), ks.data(), vs.data(), out.data(), sh.dim(0), sh.dim(1), numHeads, dh,
                scale);
        return out;
    }

    @Override
    public AttentionGradients attentionBackward(Tensor q, Tensor k, Tensor v, Tensor dout, int numHeads,
                                                float scale) {
        String op = "attentionBackward";
        JavaTensor qs = live(op, "q", q), ks = live(op, "k", k), vs = live(op, "v", v);
        JavaTensor ds = live(op, "dout", dout);
        int dh = attentionHeadDim(op, qs.shape(), ks.shape(), vs.shape(), numHeads);
        requireSameShape(op, "q", qs.shape(), "dout", ds.shape());
        Shape sh = qs.shape();
        JavaTensor dq = allocate(sh), dk = allocate(sh), dv = allocate(sh);
        TransformerKernels.attentionBackward(qs.data(), ks.data(), vs.data(), ds.data(), dq.data(), dk.data(),
                dv.data(), sh.dim(0), sh.dim(1), numHeads, dh, scale);
        return new AttentionGradients(dq, dk, dv);
    }

    /** q, k, v all {@code [B, S, NH*DH]}: the head width DH. */
    private static int attentionHeadDim(String op, Shape q, Shape k, Shape v, int numHeads) {
        requireRank(op, "q", q, 3);
        requireSameShape(op, "q", q, "k", k);
        requireSameShape(op, "q", q, "v", v);
        if (numHeads < 1 || q.last() % numHeads != 0) {
            throw mismatch(op, "the " + q.last() + " features of q " + q + " do not split into " + numHeads
                    + " heads");
        }
        return q.last() / numHeads;
    }

    // ---- handles ---------------------------------------------------------------------------------------------

    private JavaTensor allocate(Shape shape) {
        JavaTensor tensor = new JavaTensor(shape, workspace.allocate(shape.size()), this);
        memory.note(4 * workspace.liveFloats(), 0);
        return tensor;
    }

    /** A kernel is about to hold {@code scratchBytes} of working arrays beside the live tensors. */
    private void scratch(long scratchBytes) {
        memory.note(4 * workspace.liveFloats(), scratchBytes);
    }

    @Override
    public long peakDeviceBytes() {
        return memory.peak();
    }

    private void requireOpen(String op) {
        if (closed) {
            throw new IllegalStateException(op + ": this " + JavaBackend.NAME + " Ops is closed");
        }
    }

    /** The tensor behind a handle, if it is this instance's and still alive. */
    private JavaTensor live(String op, String role, Tensor tensor) {
        requireOpen(op);
        if (tensor == null) {
            throw new NullPointerException(op + ": " + role + " is null");
        }
        if (!(tensor instanceof JavaTensor javaTensor) || javaTensor.owner != this) {
            throw new IllegalArgumentException(op + ": " + role + " " + tensor.shape()
                    + " belongs to another Ops instance");
        }
        if (javaTensor.storage.freed()) {
            throw new IllegalStateException(op + ": " + role + " " + tensor.shape() + " was freed (free or "
                    + "releaseExcept) and must not be used again");
        }
        if (javaTensor.storage.released()) {
            throw new IllegalStateException(op + ": " + role + " " + tensor.shape() + " was freed by release("
                    + javaTensor.storage.releasedTo() + ") and must not be used again");
        }
        return javaTensor;
    }

    private JavaTensor optional(String op, String role, Tensor tensor) {
        return tensor == null ? null : live(op, role, tensor);
    }

    private JavaIndexTable table(String op, String role, IndexTable table) {
        requireOpen(op);
        if (table == null) {
            throw new NullPointerException(op + ": " + role + " is null");
        }
        if (!(table instanceof JavaIndexTable javaTable) || javaTable.owner != this) {
            throw new IllegalArgumentException(op + ": " + role + " belongs to another Ops instance");
        }
        return javaTable;
    }

    private static void requireData(String op, Shape shape, float[] data) {
        if (data == null) {
            throw new NullPointerException(op + ": data is null");
        }
        if (shape.sizeLong() != data.length) {
            throw mismatch(op, data.length + " values for shape " + shape + " (" + shape.sizeLong() + " elements)");
        }
    }

    private static void requireSingleColumn(String op, JavaIndexTable table) {
        if (table.cols() != 1) {
            throw mismatch(op, "index must have one column, it has " + table.cols());
        }
    }

    private static void requireEntriesBelow(String op, JavaIndexTable table, int tokens, String what) {
        if (table.maxEntry >= tokens) {
            throw mismatch(op, "table entry " + table.maxEntry + " is past the " + tokens + " tokens of " + what);
        }
    }

    /** Product of all dimensions before the last two (1 for a rank-2 tensor). */
    private static int batchOf(Shape shape) {
        int batch = 1;
        for (int axis = 0; axis < shape.rank() - 2; axis++) {
            batch *= shape.dim(axis);
        }
        return batch;
    }
}
