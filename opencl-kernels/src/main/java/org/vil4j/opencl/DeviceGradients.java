package org.vil4j.opencl;

import org.vil4j.api.IndexTable;
import org.vil4j.api.AffineGradients;
import org.vil4j.api.LayerNormGradients;
import org.vil4j.api.LinearGradients;
import org.vil4j.api.MlstmGradients;
import org.vil4j.api.Shape;
import org.vil4j.api.SkipGateGradients;
import org.vil4j.api.Tensor;

import static org.vil4j.opencl.DeviceProgram.*;
import static org.vil4j.api.ShapeRequirements.*;
import static org.vil4j.opencl.OperandChecks.*;
import static org.vil4j.opencl.OpenCLOps.checkTable;

/**
 * The backward ops on the device: norm, gate and element-wise gradients, token and column scatters, the depthwise
 * convolution's and the linears' gradients (split-K weight gradients added up by one column reduction). The mLSTM's
 * backward is {@link DeviceMlstm}'s.
 */
final class DeviceGradients {
    private DeviceGradients() {
    }

    /** Both column sums of {@link org.vil4j.api.Ops#affineGradients} in one launch (reduceColumns' mode 2). */
    static AffineGradients affineGradients(OpenCLOps ops, Tensor dyt, Tensor normalisedt) {
        String op = "affineGradients";
        DeviceTensor dy = ops.check(op, dyt), n = ops.check(op, normalisedt);
        requireMinRank(op, "dy", dy.shape(), 1);
        requireSameShape(op, "dy", dy.shape(), "normalised", n.shape());
        int cols = dy.shape().last();
        DeviceTensor weight = ops.allocate(Shape.of(cols)), bias = ops.allocate(Shape.of(cols));
        reduceAffineColumns(ops, dy.offset(), n.offset(), dy.shape().rows(), cols, weight.offset(), bias.offset());
        return new AffineGradients(weight, bias);
    }

    static Tensor columnSums(OpenCLOps ops, Tensor xt) {
        DeviceTensor x = ops.check("columnSums", xt);
        requireMinRank("columnSums", "x", x.shape(), 1);
        int cols = x.shape().last();
        DeviceTensor out = ops.allocate(Shape.of(cols));
        reduceColumns(ops, x.offset(), x.shape().rows(), cols, false, out.offset(), 0);
        return out;
    }

    static Tensor linearWeightGradient(OpenCLOps ops, Tensor xt, Tensor dyt) {
        return linearGradients(ops, xt, dyt, false).weight();
    }

    /** The weight gradient and, with {@code bias}, the bias gradient in the weight gradient's reduction launch. */
    static LinearGradients linearGradients(OpenCLOps ops, Tensor xt, Tensor dyt, boolean bias) {
        String op = bias ? "linearParameterGradients" : "linearWeightGradient";
        // x may be a column view (the gates read q | k | v of one tensor): every path reads it through its row stride,
        // where a dense copy of ViL-T's 25,088 x 1,152 view cost a launch and 231 MB of traffic, twice a block
        DeviceTensor x = ops.checkView(op, xt), dy = ops.check(op, dyt);
        requireMinRank(op, "x", x.shape(), 1);
        Shape xs = x.shape(), ds = dy.shape();
        if (ds.rank() < 1 || xs.sizeLong() / Math.max(1, xs.last()) != ds.sizeLong() / Math.max(1, ds.last())) {
            throw mismatch(op, "x " + xs + " and dy " + ds + " have different row counts");
        }
        int depth = xs.last(), outFeatures = ds.last();
        DeviceTensor out = ops.allocate(Shape.of(outFeatures, depth));
        DeviceTensor biasOut = bias ? ops.allocate(Shape.of(outFeatures)) : null;
        weightGradient(ops, xs.rows(), outFeatures, depth, 1, dy.offset(), outFeatures, 0, x.offset(), x.stride(), 0,
                out.offset(), biasOut == null ? -1 : biasOut.offset());
        return new LinearGradients(out, biasOut);
    }

    static Tensor headwiseWeightGradient(OpenCLOps ops, Tensor xt, Tensor dyt, int numHeads) {
        return headwiseGradients(ops, xt, dyt, numHeads, false).weight();
    }

    /** The head-wise weight gradient and, with {@code bias}, the bias gradient in its reduction launch. */
    static LinearGradients headwiseGradients(OpenCLOps ops, Tensor xt, Tensor dyt, int numHeads, boolean bias) {
        String op = bias ? "headwiseParameterGradients" : "headwiseWeightGradient";
        DeviceTensor x = ops.checkView(op, xt), dy = ops.check(op, dyt); // x through its row stride, as above
        requireSameShape(op, "x", x.shape(), "dy", dy.shape());
        int features = x.shape().last();
        if (numHeads < 1 || features % numHeads != 0) {
            throw mismatch(op, numHeads + " heads do not divide the " + features + " features of x " + x.shape());
        }
        int d = features / numHeads;
        DeviceTensor out = ops.allocate(Shape.of(numHeads, d, d));
        DeviceTensor biasOut = bias ? ops.allocate(Shape.of(features)) : null;
        weightGradient(ops, x.shape().rows(), d, d, numHeads, dy.offset(), features, d, x.offset(), x.stride(), d,
                out.offset(), biasOut == null ? -1 : biasOut.offset());
        return new LinearGradients(out, biasOut);
    }

    static Tensor layerNormBackward(OpenCLOps ops, Tensor xt, Tensor dyt, int groupSize, Tensor weight,
                                    boolean residualWeight, float eps) {
        return layerNormGradients(ops, xt, dyt, groupSize, weight, residualWeight, eps, false, null).dx();
    }

    /**
     * dx (plus {@code plust}, x's gradient so far, where not null), and with {@code affine} the weight and bias
     * gradients: the dx pass also writes the normalised input, whose products with dy one reduction sums beside dy's
     * own column sums (two launches where three were).
     */
    static LayerNormGradients layerNormGradients(OpenCLOps ops, Tensor xt, Tensor dyt, int groupSize, Tensor weight,
                                                 boolean residualWeight, float eps, boolean affine, Tensor plust) {
        String op = affine ? "layerNormGradients" : "layerNormBackward";
        DeviceTensor x = ops.check(op, xt), dy = ops.check(op, dyt);
        DeviceTensor w = weight == null ? null : ops.check(op, weight);
        DeviceTensor plus = plust == null ? null : ops.check(op, plust);
        requireSameShape(op, "x", x.shape(), "dy", dy.shape());
        if (plus != null) {
            requireSameShape(op, "x", x.shape(), "plus", plus.shape());
        }
        int cols = x.shape().last();
        if (groupSize < 1 || cols % groupSize != 0) {
            throw mismatch(op, "groupSize " + groupSize + " does not divide the " + cols + " features of x "
                    + x.shape());
        }
        if (w != null) {
            requireVector(op, "weight", w.shape(), cols, "features of x " + x.shape());
        }
        DeviceTensor out = ops.allocate(x.shape());
        DeviceTensor dWeight = affine ? ops.allocate(Shape.of(cols)) : null;
        DeviceTensor dBias = affine ? ops.allocate(Shape.of(cols)) : null;
        long mark = ops.mark();
        DeviceTensor normalised = affine ? ops.allocate(x.shape()) : null;
        int n = x.shape().rows() * (cols / groupSize);
        ops.args(n, groupSize, cols, x.offset(), dy.offset(), out.offset(), w == null ? -1 : w.offset(),
                residualWeight ? 1 : 0, affine ? 1 : 0, affine ? normalised.offset() : 0,
                plus == null ? -1 : plus.offset());
        ops.program.f0 = eps;
        ops.launch1D(OP_LAYER_NORM_BACKWARD, n);
        if (affine) {
            reduceAffineColumns(ops, dy.offset(), normalised.offset(), x.shape().rows(), cols, dWeight.offset(),
                    dBias.offset());
        }
        ops.release(mark);
        return new LayerNormGradients(out, dWeight, dBias);
    }

    static Tensor siluBackward(OpenCLOps ops, Tensor xt, Tensor dyt) {
        DeviceTensor x = ops.check("siluBackward", xt), dy = ops.check("siluBackward", dyt);
        requireSameShape("siluBackward", "x", x.shape(), "dy", dy.shape());
        DeviceTensor out = ops.allocate(x.shape());
        int n = out.size();
        ops.args(n, GW_SILU, out.offset(), x.offset(), dy.offset());
        ops.launch1D(OP_GRAD_ELEMENTWISE, n);
        return out;
    }

    static SkipGateGradients skipGateBackward(OpenCLOps ops, Tensor ht, Tensor skipt, Tensor at, Tensor zt,
                                              Tensor dyt) {
        String op = "skipGateBackward";
        // a and z may be column views (the up-projection's halves): read through their row strides, no copies
        DeviceTensor h = ops.check(op, ht), skip = ops.check(op, skipt);
        DeviceTensor a = ops.checkView(op, at), z = ops.checkView(op, zt);
        DeviceTensor dy = ops.check(op, dyt);
        requireMinRank(op, "h", h.shape(), 1);
        requireSameShape(op, "h", h.shape(), "a", a.shape());
        requireSameShape(op, "h", h.shape(), "z", z.shape());
        requireSameShape(op, "h", h.shape(), "dy", dy.shape());
        int cols = h.shape().last();
        requireVector(op, "skip", skip.shape(), cols, "features of h " + h.shape());
        DeviceTensor dh = ops.allocate(h.shape()), da = ops.allocate(h.shape()), dz = ops.allocate(h.shape());
        int n = h.size();
        ops.args(n, GW_SKIP_GATE, dh.offset(), h.offset(), skip.offset(), a.offset(), z.offset(), dy.offset(),
                da.offset(), dz.offset(), Math.max(cols, 1), a.stride(), z.stride());
        ops.launch1D(OP_GRAD_ELEMENTWISE, n);
        return new SkipGateGradients(dh, da, dz);
    }

    static Tensor gatherSum(OpenCLOps ops, Tensor xt, IndexTable table, int tokens) {
        String op = "gatherSum";
        DeviceTensor x = ops.check(op, xt);
        DeviceIndexTable t = checkTable(op, table, -1);
        requireMinRank(op, "x", x.shape(), 2);
        int seq = x.shape().dim(-2);
        needEntriesBelow(op, t, seq, "x " + x.shape());
        if (tokens < 0) {
            throw new IllegalArgumentException(op + ": negative token count " + tokens);
        }
        DeviceTensor out = ops.allocate(withDim(x.shape(), -2, tokens));
        int n = out.size();
        ops.args(n, tokens, x.shape().last(), seq, x.offset(), t.offset(), t.rows(), t.cols(), out.offset());
        ops.launch1D(OP_GATHER_SUM, n);
        return out;
    }

    static Tensor scaleSamples(OpenCLOps ops, Tensor xt, Tensor scalest) {
        DeviceTensor x = ops.check("scaleSamples", xt), scales = ops.check("scaleSamples", scalest);
        requireMinRank("scaleSamples", "x", x.shape(), 1);
        requireVector("scaleSamples", "scales", scales.shape(), x.shape().dim(0), "samples of x " + x.shape());
        DeviceTensor out = ops.allocate(x.shape());
        int n = out.size();
        ops.args(n, GW_SCALE_SAMPLES, out.offset(), x.offset(), scales.offset(), Math.max(1, n / Math.max(1,
                x.shape().dim(0))));
        ops.launch1D(OP_GRAD_ELEMENTWISE, n);
        return out;
    }

    /** Ops.withGateInputGradients in one launch, reading dq, dk, dv and the gates' gradients through their strides. */
    static MlstmGradients withGateInputGradients(OpenCLOps ops, MlstmGradients g, Tensor wIt, Tensor wFt) {
        String op = "withGateInputGradients";
        DeviceTensor dq = ops.checkView(op, g.dq()), dk = ops.checkView(op, g.dk()), dv = ops.checkView(op, g.dv());
        DeviceTensor di = ops.checkView(op, g.digate()), df = ops.checkView(op, g.dfgate());
        DeviceTensor wI = ops.check(op, wIt), wF = ops.check(op, wFt);
        int width = dq.shape().last(), gates = di.shape().last(), rows = dq.shape().rows();
        if (!dk.shape().equals(dq.shape()) || !dv.shape().equals(dq.shape()) || !df.shape().equals(di.shape())
                || di.shape().rows() != rows || !wI.shape().equals(Shape.of(gates, 3 * width))
                || !wF.shape().equals(wI.shape())) {
            throw mismatch(op, "dq " + dq.shape() + ", dk " + dk.shape() + ", dv " + dv.shape() + ", digate "
                    + di.shape() + ", dfgate " + df.shape() + ", wI " + wI.shape() + " and wF " + wF.shape()
                    + " do not fit");
        }
        DeviceTensor oq = ops.allocate(dq.shape()), ok = ops.allocate(dq.shape()), ov = ops.allocate(dq.shape());
        int n = rows * 3 * width;
        ops.args(n, width, gates, dq.offset(), dq.stride(), dk.offset(), dk.stride(), dv.offset(), dv.stride(),
                di.offset(), di.stride(), wI.offset(), df.offset(), df.stride(), wF.offset(), oq.offset(), ok.offset(),
                ov.offset());
        ops.queue.flops(4L * n * gates + n);
        ops.launch1D(OP_GATE_INPUT_GRADIENTS, n);
        return new MlstmGradients(oq, ok, ov, g.digate(), g.dfgate());
    }

    static Tensor placeColumns(OpenCLOps ops, Tensor xt, int start, int totalColumns) {
        DeviceTensor x = ops.check("placeColumns", xt);
        requireMinRank("placeColumns", "x", x.shape(), 1);
        int count = x.shape().last();
        if (start < 0 || (long) start + count > totalColumns) {
            throw mismatch("placeColumns", "[" + start + ", " + ((long) start + count) + ") is outside "
                    + totalColumns + " columns");
        }
        DeviceTensor out = ops.allocate(x.shape().withLast(totalColumns));
        int n = out.size();
        ops.args(n, GW_PLACE_COLUMNS, out.offset(), x.offset(), count, start, Math.max(totalColumns, 1));
        ops.launch1D(OP_GRAD_ELEMENTWISE, n);
        return out;
    }

    static void addIntoColumns(OpenCLOps ops, Tensor targett, Tensor xt, int start) {
        String op = "addIntoColumns";
        DeviceTensor target = ops.check(op, targett), x = ops.check(op, xt);
        requireColumnsInside(op, target.shape(), x.shape(), start);
        int n = x.size();
        ops.args(n, GW_ADD_INTO_COLUMNS, target.offset(), x.offset(), x.shape().last(), start,
                Math.max(target.shape().last(), 1));
        ops.queue.bytes(12L * n);
        ops.launch1D(OP_GRAD_ELEMENTWISE, n);
    }

    static Tensor depthwiseConvBackwardInput(OpenCLOps ops, Tensor dyt, IndexTable inverse, Tensor wt) {
        return depthwiseConvBackwardInput(ops, dyt, inverse, wt, null);
    }

    /** With {@code plust} (or null) added in the same pass: Ops.depthwiseConvBackwardInput(dy, inverse, w, plus). */
    static Tensor depthwiseConvBackwardInput(OpenCLOps ops, Tensor dyt, IndexTable inverse, Tensor wt, Tensor plust) {
        String op = "depthwiseConvBackwardInput";
        DeviceTensor dy = ops.check(op, dyt), w = ops.check(op, wt);
        DeviceTensor plus = plust == null ? null : ops.check(op, plust);
        if (plus != null) {
            requireSameShape(op, "dy", dy.shape(), "plus", plus.shape());
        }
        DeviceIndexTable t = checkTable(op, inverse, -1);
        Shape shape = dy.shape();
        requireMinRank(op, "dy", shape, 2);
        requireRank(op, "w", w.shape(), 2);
        int seq = shape.dim(-2), channels = shape.last(), taps = w.shape().dim(1);
        if (w.shape().dim(0) != channels || t.rows() != seq) {
            throw mismatch(op, "dy " + shape + ", w " + w.shape() + " and an inverse table of " + t.rows()
                    + " rows disagree");
        }
        needEntriesBelow(op, t, seq * taps, "dy " + shape + " with " + taps + " taps");
        DeviceTensor out = ops.allocate(shape);
        int n = out.size();
        ops.args(n, seq, channels, taps, dy.offset(), t.offset(), t.cols(), w.offset(), out.offset(),
                plus == null ? -1 : plus.offset());
        ops.launch1D(OP_DEPTHWISE_BACKWARD_INPUT, n);
        return out;
    }

    static Tensor depthwiseConvWeightGradient(OpenCLOps ops, Tensor xt, Tensor dyt, IndexTable neighbours) {
        String op = "depthwiseConvWeightGradient";
        DeviceTensor x = ops.checkView(op, xt), dy = ops.check(op, dyt); // x through its row stride
        DeviceIndexTable t = checkTable(op, neighbours, -1);
        requireSameShape(op, "x", x.shape(), "dy", dy.shape());
        requireMinRank(op, "x", x.shape(), 2);
        int seq = x.shape().dim(-2);
        if (t.rows() != seq) {
            throw mismatch(op, "neighbours has " + t.rows() + " rows but x " + x.shape() + " has " + seq
                    + " tokens");
        }
        needEntriesBelow(op, t, seq, "x " + x.shape());
        int channels = x.shape().last(), taps = t.cols();
        DeviceTensor out = ops.allocate(Shape.of(channels, taps));
        int cols = channels * taps;
        int items = batchOf(x.shape()) * seq;
        if (cols == 0) {
            return out;
        }
        int chunks = chunkCount(items, cols);
        int length = Math.max(1, (items + chunks - 1) / chunks);
        chunks = Math.max(1, (items + length - 1) / length);
        long mark = ops.mark();
        DeviceTensor partial = chunks == 1 ? out : ops.allocate(Shape.of(chunks, cols));
        ops.args(chunks * cols, cols, items, length, x.offset(), dy.offset(), t.offset(), chunks == 1 ? channels : 0,
                seq, taps, partial.offset(), x.stride());
        ops.launch1D(OP_DEPTHWISE_WEIGHT_PARTIALS, chunks * cols);
        if (chunks > 1) {
            reduceColumns(ops, partial.offset(), chunks, cols, false, out.offset(), channels);
        }
        ops.release(mark);
        return out;
    }

    static Tensor unpatchify(OpenCLOps ops, Tensor patchest, int channels, int height, int width, int ph, int pw,
                             int sh, int sw) {
        String op = "unpatchify";
        DeviceTensor ps = ops.check(op, patchest);
        requireRank(op, "patches", ps.shape(), 3);
        if (ph < 1 || pw < 1 || sh < 1 || sw < 1 || height < ph || width < pw) {
            throw new IllegalArgumentException(op + ": patch " + ph + "x" + pw + ", stride " + sh + "x" + sw
                    + " and image " + height + "x" + width + " do not fit");
        }
        int gh = (height - ph) / sh + 1, gw = (width - pw) / sw + 1;
        Shape expected = Shape.of(ps.shape().dim(0), gh * gw, channels * ph * pw);
        requireSameShape(op, "patches", ps.shape(), "the patches of a " + channels + "x" + height + "x" + width
                + " image", expected);
        DeviceTensor out = ops.allocate(Shape.of(ps.shape().dim(0), channels, height, width));
        int n = out.size();
        ops.args(n, channels, height, width, ph, pw, sh, sw, gh, gw, ps.offset(), out.offset());
        ops.launch1D(OP_UNPATCHIFY, n);
        return out;
    }

    /**
     * out[mapped col] = sum_r x[r, col] (of squares if asked), x [rows, cols]: one launch of a work-group per column.
     * map = 0, or C to store a [K, C] row as [C, K].
     */
    static void reduceColumns(OpenCLOps ops, int x, int rows, int cols, boolean square, int out, int map) {
        if (cols == 0) {
            return;
        }
        // one launch whatever the row count: on a GPU driven one op at a time, a launch costs more than the adds
        ops.args(cols, rows, x, out, square ? 1 : 0, map);
        ops.enqueue(OP_REDUCE_COLUMNS);
    }

    /** weightOut = sum_r dy * n and biasOut = sum_r dy per column, dy and n [rows, cols]: one launch (mode 2). */
    private static void reduceAffineColumns(OpenCLOps ops, int dy, int n, int rows, int cols, int weightOut,
                                            int biasOut) {
        if (cols == 0) {
            return;
        }
        ops.args(cols, rows, dy, weightOut, 2, 0, n, biasOut);
        ops.enqueue(OP_REDUCE_COLUMNS);
    }

    /**
     * The column sums of x [rows, cols] into out and, with {@code cols2 > 0}, of x2 [rows2, cols2] into out2, in one
     * launch (the second job's work-groups follow the first's).
     */
    private static void reduceColumnPair(OpenCLOps ops, int x, int rows, int cols, int out, int x2, int rows2,
                                         int cols2, int out2) {
        ops.args(cols, rows, x, out, 0, 0, 0, 0, cols2, rows2, x2, out2);
        ops.enqueue(OP_REDUCE_COLUMNS);
    }

    /**
     * Chunks of at least 32 rows, enough of them to give the device about 128K work-items (16K left ViL-T's depthwise
     * weight gradient at 4 chunks of 6,272 rows a work-item: ~1 ms a launch on the H200, round 15), at most FEW_ROWS
     * so that the partials' sums are a work-item per column.
     */
    private static int chunkCount(int rows, int cols) {
        int perChunk = PARTIAL_WORK_ITEMS / Math.max(cols, 1);
        return Math.max(1, Math.min(BackwardKernels.FEW_ROWS, Math.min(rows / 32, perChunk)));
    }

    /** Work-items a launch of chunked partial sums aims at: enough loads in flight to hide a GPU's memory latency. */
    static final int PARTIAL_WORK_ITEMS = 1 << 17;

    /**
     * out[h][o][d] = sum_r dy[r*dyRow + h*dyHead + o] * x[r*xRow + h*xHead + d] for h < heads, o < m, d < n: a GEMM
     * whose reduced axis is the rows. Few output tiles and many rows: the rows are split (split-K) into partial
     * products that a column reduction adds up, so the device is not left with a handful of long-running groups.
     */
    private static void weightGradient(OpenCLOps ops, int rows, int m, int n, int heads, int dy, int dyRow,
                                       int dyHead, int x, int xRow, int xHead, int out, int biasOut) {
        int size = heads * m * n;
        if (size > 0 && fewOutputRows(m, n)) {
            fewRowWeightGradient(ops, rows, m, n, heads, dy, dyRow, dyHead, x, xRow, xHead, out, biasOut);
            return;
        }
        int wideSplits = size == 0 ? 0 : ops.wideWeightGradientSplits(rows, m, n, heads);
        int splits = size == 0 ? 0 : wideSplits > 0 ? wideSplits
                : splitCount(rows, heads * ((m + TILE - 1) / TILE) * ((n + TILE - 1) / TILE));
        if (splits <= 1) {
            if (size > 0) {
                ops.gemm(m, n, rows, dy, 1, dyRow, x, xRow, 1, out, n, heads, 0, dyHead, 0, xHead, 0, m * n,
                        EPI_STORE, 0, 0, 0, 1f, false, heads);
            }
            sumPartials(ops, out, 1, size, out, dy, rows, dyRow, biasOut);
            return;
        }
        int length = rows / splits;
        int rest = rows - length * splits;
        long mark = ops.mark();
        DeviceTensor partial = ops.allocate(Shape.of(splits + (rest > 0 ? 1 : 0), size));
        ops.gemm(m, n, length, dy, 1, dyRow, x, xRow, 1, partial.offset(), n, heads, length * dyRow, dyHead,
                length * xRow, xHead, size, m * n, EPI_STORE, 0, 0, 0, 1f, false, splits * heads);
        if (rest > 0) {
            ops.gemm(m, n, rest, dy + splits * length * dyRow, 1, dyRow, x + splits * length * xRow, xRow, 1,
                    partial.offset() + splits * size, n, heads, 0, dyHead, 0, xHead, 0, m * n, EPI_STORE, 0, 0, 0,
                    1f, false, heads);
        }
        sumPartials(ops, partial.offset(), splits + (rest > 0 ? 1 : 0), size, out, dy, rows, dyRow, biasOut);
        ops.release(mark);
    }

    /**
     * The weight gradient from its {@code parts} partial products of {@code size} floats each (one part: already the
     * gradient at out), and with {@code biasOut >= 0} the bias gradient, dy [rows, dyRow]'s column sums, riding in the
     * partials' reduction launch.
     */
    private static void sumPartials(OpenCLOps ops, int partial, int parts, int size, int out, int dy, int rows,
                                    int dyRow, int biasOut) {
        if (parts > 1) {
            reduceColumnPair(ops, partial, parts, size, out, dy, rows, biasOut >= 0 ? dyRow : 0, biasOut);
        } else if (biasOut >= 0) {
            reduceColumns(ops, dy, rows, dyRow, false, biasOut, 0);
        }
    }

    /** Output rows (per head) up to which a weight gradient is {@link #fewRowWeightGradient}'s, whatever its width. */
    static final int FEW_OUTPUT_ROWS = 4;
    /** Output rows up to which it is too when a head's outputs fit one of the main program's tiles. */
    static final int FEW_OUTPUT_ROWS_IN_A_TILE = 16;

    /**
     * Whether a weight gradient of m x n outputs a head is {@link #fewRowWeightGradient}'s: where a GEMM's 64 x 64
     * tiles would be mostly idle. UperNet 16's 16 x 576 fuse convolution over 36,864 pixels stays a GEMM: streamed a
     * work-item per output it took 856 ms alone on PoCL, where the GEMM's tiles reuse their loads (round 14).
     */
    static boolean fewOutputRows(int m, int n) {
        return m <= FEW_OUTPUT_ROWS || m <= FEW_OUTPUT_ROWS_IN_A_TILE && m * n <= TILE * TILE;
    }

    /**
     * A weight gradient of few output rows ({@link #fewOutputRows}): chunks of rows summed a work-item per output
     * ({@code OP_WEIGHT_PARTIALS}), about 128K work-items, then the chunks' partials added by a column reduction, with
     * the bias's column sums in the same launch. As a GEMM each 64 x 64 tile computed 4 x 4 (ViL's head-wise q, k,
     * v blocks) or 4 x 64 (the gates) outputs of it: on PoCL ViL-T's 72 head-wise products took 31% of a b2 training
     * step (round 14's shapes profile).
     */
    private static void fewRowWeightGradient(OpenCLOps ops, int rows, int m, int n, int heads, int dy, int dyRow,
                                             int dyHead, int x, int xRow, int xHead, int out, int biasOut) {
        int size = heads * m * n;
        int chunks = chunkCount(rows, size);
        int length = Math.max(1, (rows + chunks - 1) / chunks);
        chunks = Math.max(1, (rows + length - 1) / length);
        long mark = ops.mark();
        int partial = chunks == 1 ? out : ops.allocate(Shape.of(chunks, size)).offset();
        ops.args(chunks * size, m, n, rows, dyRow, dyHead, dy, xRow, xHead, x, length, partial, heads);
        ops.launch1D(OP_WEIGHT_PARTIALS, chunks * size);
        sumPartials(ops, partial, chunks, size, out, dy, rows, dyRow, biasOut);
        ops.release(mark);
    }

    /**
     * How many row splits a weight gradient of this many output tiles takes: about 256 tile-groups in all, each split
     * at least 128 rows long; of the counts from half that target to twice it (within the 128-row bound), the one
     * nearest the target that divides the rows, since rows left over take a GEMM launch of their own (ViL-T at batch
     * 32, 6,272 rows: the down-projection's and each gate's 15 splits with a 2-row rest became 16 splits, each
     * q/k/v head-wise projection's 3 with a 2-row rest 4: six launches fewer a block).
     */
    static int splitCount(int rows, int tiles) {
        int target = Math.max(1, Math.min(rows / 128, (256 + tiles - 1) / tiles));
        int most = Math.max(target, Math.min(2 * target, rows / 128));
        for (int distance = 0; target - distance > 1 || target + distance <= most; distance++) {
            if (target + distance <= most && rows % (target + distance) == 0) {
                return target + distance;
            }
            if (distance > 0 && target - distance > 1 && 2 * (target - distance) >= target
                    && rows % (target - distance) == 0) {
                return target - distance;
            }
        }
        return target;
    }

    static void zero(OpenCLOps ops, DeviceTensor t) {
        int n = t.size();
        ops.args(n, GW_PLACE_COLUMNS, t.offset(), t.offset(), 0, 0, 1);
        ops.launch1D(OP_GRAD_ELEMENTWISE, n);
    }
}
