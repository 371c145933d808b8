package org.vil4j.opencl;

import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.exception.CompileFailedException;
import com.aparapi.internal.kernel.KernelManager;
import org.vil4j.api.AdamWStep;
import org.vil4j.api.AffineGradients;
import org.vil4j.api.AttentionGradients;
import org.vil4j.api.BackendUnavailableException;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.MlstmGradients;
import org.vil4j.api.SgdStep;
import org.vil4j.api.SkipGateGradients;
import org.vil4j.api.IndexTable;
import org.vil4j.api.LayerNormGradients;
import org.vil4j.api.LinearGradients;
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
 * parameters sit at the bottom, the workspace (blocks freed by mark or one by one) above them. Host and device exchange data only through the
 * staging arrays, and every byte that crosses is counted.
 */
final class OpenCLOps implements Ops {
    static final int DEFAULT_ARENA_FLOATS = 4 << 20; // 16 MiB: a humongous object, which G1 never moves
    static final int DEFAULT_INDEX_INTS = 4 << 20;
    /**
     * Aparapi keeps buffer sizes in an int of bytes: the int arena's bound, and the float arena's unless the preloaded
     * library puts larger sizes right ({@link LargeBuffers}).
     */
    static final long MAX_ARENA_FLOATS = LargeBuffers.WITHOUT_LIBRARY_FLOATS;

    /** Linear layers with at most this many outputs (the mLSTM gates) use a row-wise kernel instead of a GEMM. */
    static final int SKINNY_OUTPUTS = 16;

    final long maxArenaFloats;
    private final OpenCLDevices.Found found;
    private final OpenCLDevice device;
    final DeviceProgram program;
    final CommandQueue queue;
    /** The large GEMMs' own program, or null (off unless asked for: {@link WideGemm}). */
    private final WideGemm wide;
    /** The fused mLSTM cell's own program, or null ({@link FusedMlstm}). */
    private final FusedMlstm fused;
    final Workspace workspace = new Workspace();
    int persistentTop;
    int indexTop;
    /** A region of the int arena reused by per-step tables ({@link DeviceTransfers#scratchIndex}). */
    int scratchIndexOffset;
    int scratchIndexCapacity;
    /** Whether a launch happened: the arenas are on the device (before it, data goes into the host arrays). */
    boolean started;
    private boolean closed;

    /** The transfer counters ({@link #transfers()}): kept by {@link DeviceTransfers} and the first launch. */
    long bytesIn, bytesOut, parameterBytes, setupBytes, transfers;
    /** The highest arena position any tensor reached, in floats. */
    private long peakFloats;
    /** Copies {@link #keep} made. */
    private long keepCopies;

    OpenCLOps(OpenCLDevices.Found found, int arenaFloats) {
        this(found, arenaFloats, arenaLimitFloats(found));
    }

    /**
     * @param maxArenaFloats the most floats the tensor arena may grow to (at most {@link #arenaLimitFloats}; rounded
     *                       down to a size the arena can have)
     */
    OpenCLOps(OpenCLDevices.Found found, int arenaFloats, long maxArenaFloats) {
        long limit = arenaLimitFloats(found);
        if (maxArenaFloats < arenaFloats || maxArenaFloats > limit || !LargeBuffers.allowed(arenaFloats)) {
            throw new IllegalArgumentException("arena bound " + maxArenaFloats + " floats outside [" + arenaFloats
                    + ", " + limit + "]");
        }
        this.maxArenaFloats = Math.max(arenaFloats, LargeBuffers.allowedAtMost(maxArenaFloats));
        LargeBuffers.announce(arenaFloats);
        this.found = found;
        this.device = found.device();
        this.program = new DeviceProgram(arenaFloats, DEFAULT_INDEX_INTS, CommandQueue.CAPACITY,
                (int) Math.min(Integer.MAX_VALUE - 8, ProgramProperties.wholeNumber(UPLOAD_CHUNK_PROPERTY,
                        DEFAULT_UPLOAD_CHUNK)));
        program.columnBlock = columnBlock();
        this.queue = new CommandQueue(program, device, found.info().name(),
                Range.create(device, workGroups(device) * WORK_GROUP, WORK_GROUP));
        program.setExplicit(true);
        KernelManager.instance().setPreferredDevices(program, new LinkedHashSet<>(List.of(device)));
        try {
            program.compile(device);
        } catch (CompileFailedException | RuntimeException e) {
            // no dispose(): after a failed build Aparapi's disposeJNI crashes the JVM (SIGSEGV, PoCL 3.1)
            throw new BackendUnavailableException("OpenCL backend: the device program does not build on "
                    + found.info().name() + ": " + e.getMessage(), e);
        }
        queue.requireOpenCL("compile");
        workspace.setBase(0);
        this.wide = WideGemm.open(program.mem, program.index, device);
        this.fused = FusedMlstm.open(program.mem, device);
    }

    /**
     * Work-groups of the fixed range: enough to fill a GPU (8 per compute unit) or a CPU's cores (2 each);
     * {@code -Dvil4j.opencl.workGroups=N} overrides.
     */
    private static int workGroups(OpenCLDevice device) {
        String override = System.getProperty("vil4j.opencl.workGroups");
        if (override != null) {
            try {
                int n = Integer.parseInt(override.trim());
                if (n >= 1 && n <= 1 << 16) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("-Dvil4j.opencl.workGroups=" + override + ": needs a whole number "
                    + "in [1, 65536]");
        }
        int units = Math.max(1, device.getMaxComputeUnits());
        return device.getType() == com.aparapi.device.Device.TYPE.CPU ? 2 * units : 8 * units;
    }

    @Override
    public String backendName() {
        return "opencl";
    }

    @Override
    public String deviceName() {
        var info = found.info();
        String build = NativeBuildOptions.describe(found.platform().getVendor(), info.kind(), System.getenv());
        String large = LargeBuffers.available() ? ", arena up to " + (maxArenaFloats >> 18) + " MiB (preloaded)" : "";
        String second = wide != null ? ", large GEMMs in a second program" : "";
        second += fused != null ? ", fused mLSTM" : "";
        return info.name() + " (OpenCL " + info.kind() + ", " + info.platform() + build + large + second + ")";
    }

    /**
     * The most floats this device's arena can hold in this JVM: one Aparapi buffer (2 GiB), or, with the preloaded
     * library's large buffers, the device's largest allocation up to the 2^31 floats an int index reaches.
     */
    static long arenaLimitFloats(OpenCLDevices.Found found) {
        return LargeBuffers.limitFloats(found.device().getMaxMemAllocSize());
    }

    /** Launches of the wide GEMM's own program (0 when it is off). */
    long wideGemmLaunches() {
        return wide == null ? 0 : wide.launches();
    }

    /** Bytes reserved for the float arena on the device. */
    long arenaBytes() {
        return (long) program.mem.length * 4;
    }

    @Override
    public TransferStats transfers() {
        return new TransferStats(bytesIn, bytesOut, parameterBytes, setupBytes, transfers);
    }

    @Override
    public long kernelLaunches() {
        return queue.launches();
    }

    @Override
    public void setProfiling(boolean on) {
        queue.setProfiling(on);
        if (wide != null || fused != null) {
            WideGemm.waitForEachLaunch(on); // a profile times each launch to its end
        }
    }

    @Override
    public List<org.vil4j.api.OpProfile> profile() {
        return queue.profile();
    }

    @Override
    public long peakDeviceBytes() {
        return 4 * Math.max(peakFloats, persistentTop);
    }

    /** The arena bounds the batch a step can keep (8 GiB at most): keep less, form cheap intermediates again. */
    @Override
    public boolean prefersLeanRecords() {
        return true;
    }

    @Override
    public long liveDeviceBytes() {
        return 4 * workspace.liveFloats();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            // a program that never executed has no native kernel state: Aparapi's disposeJNI then frees garbage and
            // the JVM dies (SIGSEGV / "free(): invalid size", PoCL 3.1, about half the runs); recorded commands that
            // never ran do not count
            if (queue.executes() > 0) {
                program.dispose();
            }
            if (wide != null) {
                wide.close();
            }
            if (fused != null) {
                fused.close();
            }
        }
    }

    // ---- memory ----------------------------------------------------------------------------------------------

    @Override
    public Tensor upload(Shape shape, float[] data) {
        return DeviceTransfers.upload(this, shape, data);
    }

    @Override
    public Tensor parameter(Shape shape, float[] data) {
        return DeviceTransfers.parameter(this, shape, data);
    }

    @Override
    public void assign(Tensor parameter, float[] data) {
        DeviceTransfers.assign(this, parameter, data);
    }

    @Override
    public IndexTable indexTable(int rows, int cols, int[] data) {
        return DeviceTransfers.indexTable(this, rows, cols, data);
    }

    @Override
    public float[] download(Tensor tensor) {
        return DeviceTransfers.download(this, tensor);
    }

    @Override
    public long mark() {
        return workspace.mark();
    }

    @Override
    public void release(long mark) {
        workspace.release(mark);
    }

    /**
     * Frees everything made after {@code mark} but {@code keep}'s block. When {@code keep} is a whole block made after
     * the mark (what an op returned, or a reshape of it) it stays where it is, uncopied; otherwise (a column view, a
     * tensor made before the mark or persistent) its values are copied into a new block.
     */
    @Override
    public Tensor keep(long mark, Tensor keep) {
        DeviceTensor t = checkView("keep", keep);
        boolean after = t.slot() >= 0 && t.serial() >= mark;
        if (after && ownsBlock(t)) {
            workspace.releaseExcept(mark, new long[]{t.serial()});
            return t;
        }
        if (after) {
            workspace.releaseExcept(mark, new long[]{t.serial()});
        } else {
            workspace.release(mark);
        }
        // t's block is still live, so the new one cannot overlap it; the copy runs before anything reuses the block
        DeviceTensor kept = allocate(t.shape());
        if (t.isView()) {
            copyColumns(t, 0, t.shape().last(), kept, 0);
        } else {
            copy(t.offset(), kept.offset(), t.size());
        }
        if (after) {
            workspace.free(t.slot(), t.serial());
        }
        keepCopies++;
        return kept;
    }

    /** Copies {@link #keep} made (a kept tensor that was not a whole block made after the mark). */
    long keepCopies() {
        return keepCopies;
    }

    @Override
    public long allocationOf(Tensor t) {
        DeviceTensor d = checkView("allocationOf", t);
        return d.slot() >= 0 ? d.serial() : -1;
    }

    /**
     * Frees {@code t}'s block when {@code t} is all of it (dense, from the block's start, of the block's size: what an
     * op returned or a reshape of it). A column view, a persistent tensor, or a part of a block frees nothing.
     */
    @Override
    public boolean free(Tensor t) {
        DeviceTensor d = checkView("free", t);
        if (d.slot() < 0 || !ownsBlock(d)) {
            return false;
        }
        workspace.free(d.slot(), d.serial());
        return true;
    }

    @Override
    public void releaseExcept(long mark, java.util.Collection<Tensor> survivors) {
        long[] keep = new long[survivors.size()];
        int n = 0;
        for (Tensor s : survivors) {
            DeviceTensor d = checkView("releaseExcept", s);
            if (d.slot() >= 0) {
                keep[n++] = d.serial();
            }
        }
        workspace.releaseExcept(mark, Arrays.copyOf(keep, n));
    }

    /** Whether a workspace tensor is the whole of its block. */
    private boolean ownsBlock(DeviceTensor t) {
        return !t.isView() && t.offset() == workspace.offsetOf(t.slot())
                && Workspace.blockSize(t.size()) == workspace.sizeOf(t.slot());
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
        return DeviceAlgebra.linear(this, xt, wt, bt);
    }

    /** One pass for up to three projections of the same heads and block size; others as the default. */
    @Override
    public Tensor headwiseLinearConcat(List<Tensor> xs, List<Tensor> ws, List<Tensor> bs) {
        int parts = xs.size();
        if (parts < 1 || parts > 3 || ws.size() != parts || bs.size() != parts) {
            return Ops.super.headwiseLinearConcat(xs, ws, bs);
        }
        return FusedSubBlock.headwiseConcat(this, xs, ws, bs);
    }

    /** The parallel form from one row-wise pass's q|k|v|gates, read as column views; others as the default. */
    @Override
    public Tensor mlstmOfProjections(Tensor a, Tensor xm, List<Tensor> ws, List<Tensor> bs, List<Tensor> gateWs,
                                     List<Tensor> gateBs, int numHeads, float eps, MlstmForm form, int chunkSize) {
        Tensor fused = form == MlstmForm.PARALLEL
                ? FusedSubBlock.mlstmOfProjections(this, a, xm, ws, bs, gateWs, gateBs, numHeads, eps) : null;
        return fused != null ? fused
                : Ops.super.mlstmOfProjections(a, xm, ws, bs, gateWs, gateBs, numHeads, eps, form, chunkSize);
    }

    /** q|k|v and the two gates' skinny linears over them in one row-wise pass; others as the default. */
    @Override
    public Tensor headwiseLinearConcatGates(List<Tensor> xs, List<Tensor> ws, List<Tensor> bs, List<Tensor> gateWs,
                                            List<Tensor> gateBs) {
        Tensor fused = xs.size() == 3 && ws.size() == 3 && bs.size() == 3 && gateWs.size() == 2
                && gateBs.size() == 2 ? FusedSubBlock.headwiseGates(this, xs, ws, bs, gateWs, gateBs) : null;
        return fused != null ? fused : Ops.super.headwiseLinearConcatGates(xs, ws, bs, gateWs, gateBs);
    }

    /** The convolution, q|k|v and the gates in one row-wise pass; more than eight gates as the default. */
    @Override
    public Tensor convHeadwiseGates(Tensor xm, IndexTable neighbours, Tensor convW, Tensor convBias, List<Tensor> ws,
                                   List<Tensor> bs, List<Tensor> gateWs, List<Tensor> gateBs) {
        Tensor fused = ws.size() == 3 && bs.size() == 3 && gateWs.size() == 2 && gateBs.size() == 2
                ? FusedSubBlock.convHeadwiseGates(this, xm, neighbours, convW, convBias, ws, bs, gateWs, gateBs) : null;
        return fused != null ? fused
                : Ops.super.convHeadwiseGates(xm, neighbours, convW, convBias, ws, bs, gateWs, gateBs);
    }

    /** Two skinny linears of one input (the mLSTM's gates) in one row-wise pass; others as the default. */
    @Override
    public Tensor linearConcat(Tensor xt, List<Tensor> ws, List<Tensor> bs) {
        if (ws.size() == 1 && bs.size() == 1) {
            return linear(xt, ws.get(0), bs.get(0));
        }
        Tensor fused = ws.size() == 2 && bs.size() == 2 ? FusedSubBlock.linearPair(this, xt, ws, bs) : null;
        return fused != null ? fused : Ops.super.linearConcat(xt, ws, bs);
    }

    /** Bias and the repeated rows in the GEMM's epilogue; skinny outputs as the default. */
    @Override
    public Tensor linearAddRows(Tensor xt, Tensor wt, Tensor bt, Tensor rows) {
        String op = "linearAddRows";
        DeviceTensor w = check(op, wt);
        if (w.shape().rank() != 2 || w.shape().dim(0) <= SKINNY_OUTPUTS) {
            return Ops.super.linearAddRows(xt, wt, bt, rows);
        }
        return FusedSubBlock.linearAddRows(this, op, xt, w, bt, rows);
    }

    /** Bias and residual in the GEMM's epilogue (in place where allowed); others as the default. */
    @Override
    public Tensor linearAdd(Tensor xt, Tensor wt, Tensor bt, Tensor residual, IndexTable order, IndexTable inverse,
                            boolean intoResidual) {
        String op = "linearAdd";
        DeviceTensor w = check(op, wt);
        if (w.shape().rank() != 2 || w.shape().dim(0) <= SKINNY_OUTPUTS || (order != null && !intoResidual)) {
            return Ops.super.linearAdd(xt, wt, bt, residual, order, inverse, intoResidual);
        }
        return FusedSubBlock.linearAdd(this, op, xt, w, bt, residual, order, intoResidual);
    }

    @Override
    public Tensor layerNormGather(Tensor xt, IndexTable index, int groupSize, Tensor wt, boolean residualWeight,
                                  Tensor bt, float eps) {
        return DeviceLayerNorm.layerNormGather(this, xt, index, groupSize, wt, residualWeight, bt, eps);
    }

    @Override
    public Tensor matmul(Tensor at, Tensor ct) {
        return DeviceAlgebra.matmul(this, at, ct);
    }

    @Override
    public Tensor headwiseLinear(Tensor xt, Tensor wt, Tensor bt) {
        return DeviceAlgebra.headwiseLinear(this, xt, wt, bt);
    }

    @Override
    public Tensor headwiseLinearTransposed(Tensor xt, Tensor wt) {
        return DeviceAlgebra.headwiseLinear(this, xt, wt, null, true);
    }

    @Override
    public Tensor headwiseLinearTransposedSum(Tensor x0, Tensor w0, Tensor x1, Tensor w1, Tensor plus) {
        return DeviceAlgebra.headwiseLinearTransposedSum(this, x0, w0, x1, w1, plus);
    }

    @Override
    public Tensor resample2d(Tensor xt, int height, int width, Tensor ry, Tensor rx) {
        return DeviceAlgebra.resample2d(this, xt, height, width, ry, rx, false);
    }

    @Override
    public MlstmGradients withGateInputGradients(MlstmGradients g, Tensor wI, Tensor wF) {
        return DeviceGradients.withGateInputGradients(this, g, wI, wF);
    }

    @Override
    public Tensor resample2dTransposed(Tensor xt, Tensor ry, Tensor rx) {
        return DeviceAlgebra.resample2d(this, xt, ry.shape().dim(0), rx.shape().dim(0), ry, rx, true);
    }

    @Override
    public Tensor transpose(Tensor xt) {
        return DeviceAlgebra.transpose(this, xt);
    }

    // ---- normalisation and element-wise -----------------------------------------------------------------------

    @Override
    public Tensor layerNorm(Tensor xt, int groupSize, Tensor wt, boolean residualWeight, Tensor bt, float eps) {
        return DeviceLayerNorm.layerNorm(this, xt, groupSize, wt, residualWeight, bt, eps);
    }

    @Override
    public Tensor mlstmNormSkipGate(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads, float eps,
                                    Tensor weight, boolean residualWeight, Tensor bias, float normEps, Tensor skip,
                                    Tensor a, Tensor z) {
        Tensor inOnePass = MlstmParallel.forwardNormSkipGate(this, q, k, v, igate, fgate, numHeads, eps, weight,
                residualWeight, bias, normEps, skip, a, z);
        return inOnePass != null ? inOnePass : Ops.super.mlstmNormSkipGate(q, k, v, igate, fgate, numHeads, eps, weight,
                residualWeight, bias, normEps, skip, a, z);
    }

    @Override
    public Tensor normSkipGate(Tensor ht, int groupSize, Tensor wt, boolean residualWeight, Tensor bt, float eps,
                               Tensor skipt, Tensor at, Tensor zt) {
        return DeviceLayerNorm.normSkipGate(this, ht, groupSize, wt, residualWeight, bt, eps, skipt, at, zt);
    }

    @Override
    public Tensor add(Tensor at, Tensor bt) {
        return DeviceElementwise.add(this, at, bt);
    }

    @Override
    public Tensor mul(Tensor at, Tensor bt) {
        return DeviceElementwise.mul(this, at, bt);
    }

    @Override
    public Tensor scale(Tensor xt, float s) {
        return DeviceElementwise.scale(this, xt, s);
    }

    @Override
    public Tensor silu(Tensor xt) {
        return DeviceElementwise.silu(this, xt);
    }

    @Override
    public Tensor skipGate(Tensor ht, Tensor skipt, Tensor at, Tensor zt) {
        return DeviceElementwise.skipGate(this, ht, skipt, at, zt);
    }

    // ---- token movement ---------------------------------------------------------------------------------------

    @Override
    public Tensor gatherTokens(Tensor xt, IndexTable index) {
        return DeviceTokens.gatherTokens(this, xt, index);
    }

    @Override
    public Tensor addGatheredTokens(Tensor residualt, Tensor yt, IndexTable index) {
        return DeviceTokens.addGatheredTokens(this, residualt, yt, index);
    }

    @Override
    public Tensor columns(Tensor xt, int start, int count) {
        return DeviceTokens.columns(this, xt, start, count);
    }

    @Override
    public Tensor concatColumns(Tensor at, Tensor bt) {
        return DeviceTokens.concatColumns(this, at, bt);
    }

    @Override
    public Tensor concatColumns(Tensor at, Tensor bt, Tensor ct) {
        return DeviceTokens.concatColumns(this, at, bt, ct);
    }

    // ---- convolutions -----------------------------------------------------------------------------------------

    @Override
    public Tensor depthwiseConv(Tensor xt, IndexTable neighbours, Tensor wt, Tensor bt) {
        return DeviceConvolutions.depthwiseConv(this, xt, neighbours, wt, bt, false);
    }

    @Override
    public Tensor depthwiseConvSilu(Tensor x, IndexTable neighbours, Tensor w, Tensor bias) {
        return DeviceConvolutions.depthwiseConv(this, x, neighbours, w, bias, true);
    }

    @Override
    public Tensor patchify(Tensor xt, int ph, int pw, int sh, int sw) {
        return DeviceConvolutions.patchify(this, xt, ph, pw, sh, sw);
    }

    // ---- sequence mixing -------------------------------------------------------------------------------------

    @Override
    public Tensor mlstm(Tensor qt, Tensor kt, Tensor vt, Tensor it, Tensor ft, int numHeads, float eps) {
        return MlstmParallel.forward(this, qt, kt, vt, it, ft, numHeads, eps);
    }

    @Override
    public boolean hasMlstmForm(MlstmForm form) {
        return true;
    }

    @Override
    public Tensor mlstm(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads, float eps,
                        MlstmForm form, int chunkSize) {
        return DeviceMlstm.mlstm(this, q, k, v, igate, fgate, numHeads, eps, form, chunkSize);
    }

    // ---- gradients ---------------------------------------------------------------------------------------------

    @Override
    public Tensor columnSums(Tensor xt) {
        return DeviceGradients.columnSums(this, xt);
    }

    @Override
    public AffineGradients affineGradients(Tensor dy, Tensor normalised) {
        return DeviceGradients.affineGradients(this, dy, normalised);
    }

    @Override
    public Tensor linearWeightGradient(Tensor xt, Tensor dyt) {
        return DeviceGradients.linearWeightGradient(this, xt, dyt);
    }

    @Override
    public Tensor headwiseWeightGradient(Tensor xt, Tensor dyt, int numHeads) {
        return DeviceGradients.headwiseWeightGradient(this, xt, dyt, numHeads);
    }

    @Override
    public LinearGradients linearParameterGradients(Tensor xt, Tensor dyt) {
        return DeviceGradients.linearGradients(this, xt, dyt, true);
    }

    @Override
    public LinearGradients headwiseParameterGradients(Tensor xt, Tensor dyt, int numHeads) {
        return DeviceGradients.headwiseGradients(this, xt, dyt, numHeads, true);
    }

    @Override
    public Tensor layerNormBackward(Tensor xt, Tensor dyt, int groupSize, Tensor weight, boolean residualWeight,
                                    float eps) {
        return DeviceGradients.layerNormBackward(this, xt, dyt, groupSize, weight, residualWeight, eps);
    }

    @Override
    public LayerNormGradients layerNormGradients(Tensor xt, Tensor dyt, int groupSize, Tensor weight,
                                                 boolean residualWeight, float eps) {
        return DeviceGradients.layerNormGradients(this, xt, dyt, groupSize, weight, residualWeight, eps, true, null);
    }

    @Override
    public LayerNormGradients layerNormGradients(Tensor xt, Tensor dyt, int groupSize, Tensor weight,
                                                 boolean residualWeight, float eps, Tensor plus) {
        return DeviceGradients.layerNormGradients(this, xt, dyt, groupSize, weight, residualWeight, eps, true, plus);
    }

    @Override
    public Tensor siluBackward(Tensor xt, Tensor dyt) {
        return DeviceGradients.siluBackward(this, xt, dyt);
    }

    @Override
    public SkipGateGradients skipGateBackward(Tensor ht, Tensor skipt, Tensor at, Tensor zt, Tensor dyt) {
        return DeviceGradients.skipGateBackward(this, ht, skipt, at, zt, dyt);
    }

    @Override
    public Tensor gatherSum(Tensor xt, IndexTable table, int tokens) {
        return DeviceGradients.gatherSum(this, xt, table, tokens);
    }

    @Override
    public Tensor scaleSamples(Tensor xt, Tensor scalest) {
        return DeviceGradients.scaleSamples(this, xt, scalest);
    }

    @Override
    public Tensor placeColumns(Tensor xt, int start, int totalColumns) {
        return DeviceGradients.placeColumns(this, xt, start, totalColumns);
    }

    @Override
    public void addIntoColumns(Tensor target, Tensor x, int start) {
        DeviceGradients.addIntoColumns(this, target, x, start);
    }

    @Override
    public Tensor depthwiseConvBackwardInput(Tensor dyt, IndexTable inverse, Tensor wt) {
        return DeviceGradients.depthwiseConvBackwardInput(this, dyt, inverse, wt);
    }

    @Override
    public Tensor depthwiseConvBackwardInput(Tensor dy, IndexTable inverse, Tensor w, Tensor plus) {
        return DeviceGradients.depthwiseConvBackwardInput(this, dy, inverse, w, plus);
    }

    @Override
    public Tensor depthwiseConvWeightGradient(Tensor xt, Tensor dyt, IndexTable neighbours) {
        return DeviceGradients.depthwiseConvWeightGradient(this, xt, dyt, neighbours);
    }

    @Override
    public Tensor unpatchify(Tensor patchest, int channels, int height, int width, int ph, int pw, int sh, int sw) {
        return DeviceGradients.unpatchify(this, patchest, channels, height, width, ph, pw, sh, sw);
    }

    /**
     * Floats of S x S scratch (three matrices per batch x head) one mlstmBackward chunk may use; larger batches are
     * processed in chunks of samples (tests lower it to exercise the chunking). {@code -Dvil4j.opencl.mlstmScratchMiB}
     * (default 256, round 15; 64 before): ViL-T at batch 128 needs 238 MiB to take the batch in one chunk, 720
     * launches a step fewer and 5% faster on the H200 (docs/PERFORMANCE.md, round 15).
     */
    long mlstmScratchFloats = ProgramProperties.wholeNumber(MLSTM_SCRATCH_PROPERTY, 256) << 18;

    static final String MLSTM_SCRATCH_PROPERTY = "vil4j.opencl.mlstmScratchMiB";
    static final String COLUMN_BLOCK_PROPERTY = "vil4j.opencl.columnBlock";
    /** Floats of a large upload's chunks (ProgramState.stageChunk); 0 stages it whole, as before round 15. */
    static final String UPLOAD_CHUNK_PROPERTY = "vil4j.opencl.uploadChunkFloats";
    /**
     * 4 MiB chunks: ViL-T training at batch 128 with its 77 MB batch uploaded each step took 286.5 ms a step on the
     * H200 against 338.7 ms staged whole (16 MiB chunks: 290.1; round 15, one call).
     */
    static final int DEFAULT_UPLOAD_CHUNK = 1 << 20;

    /**
     * {@code -Dvil4j.opencl.columnBlock} (default 4): a power of two from 1 to a work-group's size. ViL-T training at
     * batch 128 on the H200 (round 15, one call): 1 276.8 ms, 4 270.6, 8 283.3, 32 349.9.
     */
    private static int columnBlock() {
        long block = ProgramProperties.wholeNumber(COLUMN_BLOCK_PROPERTY, 4);
        if (block < 1 || block > ProgramState.WORK_GROUP || Long.bitCount(block) != 1) {
            throw new BackendUnavailableException("OpenCL backend: -D" + COLUMN_BLOCK_PROPERTY + "=" + block
                    + " is not a power of two from 1 to " + ProgramState.WORK_GROUP);
        }
        return (int) block;
    }

    @Override
    public MlstmGradients mlstmBackward(Tensor qt, Tensor kt, Tensor vt, Tensor igate, Tensor fgate, Tensor dht,
                                        int numHeads, float eps) {
        return mlstmBackward(qt, kt, vt, igate, fgate, dht, numHeads, eps, MlstmForm.PARALLEL, 0);
    }

    @Override
    public boolean hasMlstmBackwardForm(MlstmForm form) {
        return true;
    }

    @Override
    public MlstmGradients mlstmBackward(Tensor qt, Tensor kt, Tensor vt, Tensor igate, Tensor fgate, Tensor dht,
                                        int numHeads, float eps, MlstmForm form, int chunkSize) {
        return DeviceMlstm.mlstmBackward(this, qt, kt, vt, igate, fgate, dht, numHeads, eps, form, chunkSize);
    }

    // ---- optimiser updates -------------------------------------------------------------------------------------

    @Override
    public Tensor sumOfSquares(Tensor xt) {
        return DeviceOptimiser.sumOfSquares(this, xt);
    }

    @Override
    public void adamwUpdate(Tensor paramt, Tensor gradt, Tensor mt, Tensor vt, AdamWStep step) {
        DeviceOptimiser.adamwUpdate(this, paramt, gradt, mt, vt, step);
    }

    @Override
    public void adamwUpdateAll(List<Tensor> params, List<Tensor> grads, List<Tensor> ms, List<Tensor> vs,
                               float[] learningRates, float[] weightDecays, AdamWStep step) {
        DeviceOptimiser.adamwUpdateAll(this, params, grads, ms, vs, learningRates, weightDecays, step);
    }

    @Override
    public void sgdUpdate(Tensor paramt, Tensor gradt, Tensor velocityt, SgdStep step) {
        DeviceOptimiser.sgdUpdate(this, paramt, gradt, velocityt, step);
    }

    @Override
    public void copyInto(Tensor targett, Tensor sourcet) {
        DeviceOptimiser.copyInto(this, targett, sourcet);
    }

    /** Seven copies a launch. */
    @Override
    public void copyAllInto(List<Tensor> targets, List<Tensor> sources) {
        DeviceOptimiser.copyAllInto(this, targets, sources);
    }

    @Override
    public void movingAverage(Tensor targett, Tensor sourcet, float decay) {
        DeviceOptimiser.movingAverage(this, targett, sourcet, decay);
    }

    // ---- launching --------------------------------------------------------------------------------------------

    void gemm(int m, int n, int k, int a, int aRow, int aK, int b, int bK, int bCol, int c, int cRow,
              int inner, int aOuter, int aInner, int bOuter, int bInner, int cOuter, int cInner,
              int epilogue, int e0, int e1, int e2, float alpha, boolean causalA) {
        gemm(m, n, k, a, aRow, aK, b, bK, bCol, c, cRow, inner, aOuter, aInner, bOuter, bInner, cOuter, cInner,
                epilogue, e0, e1, e2, alpha, causalA, 1);
    }

    void gemm(int m, int n, int k, int a, int aRow, int aK, int b, int bK, int bCol, int c, int cRow,
              int inner, int aOuter, int aInner, int bOuter, int bInner, int cOuter, int cInner,
              int epilogue, int e0, int e1, int e2, float alpha, boolean causalA, int batches) {
        gemm(m, n, k, a, aRow, aK, b, bK, bCol, c, cRow, inner, aOuter, aInner, bOuter, bInner, cOuter, cInner,
                epilogue, e0, e1, e2, alpha, causalA ? A_LOWER : A_DENSE, batches);
    }

    /** As above, A's zeros given as {@link DeviceProgram#A_DENSE}, {@code A_LOWER} or {@code A_UPPER}. */
    void gemm(int m, int n, int k, int a, int aRow, int aK, int b, int bK, int bCol, int c, int cRow,
              int inner, int aOuter, int aInner, int bOuter, int bInner, int cOuter, int cInner,
              int epilogue, int e0, int e1, int e2, float alpha, int aZeros, int batches) {
        boolean causalA = aZeros == A_LOWER;
        if (m == 0 || n == 0 || batches == 0) {
            return;
        }
        long flops = 2L * m * n * k * batches;
        if (wide != null && wide.takes(flops, epilogue, causalA, m, n, batches)) {
            beforeLaunch();
            int residualRows = program.a23, tableStride = program.a24; // set by the caller: EPI_LINEAR_RESIDUAL
            queue.flops(flops);
            queue.bytes(4L * batches * ((long) m * k + (long) k * n + (long) m * n));
            String name = WideGemm.name(epilogue) + (OpNames.shapes()
                    ? " " + OpNames.gemmShape(m, n, k, batches, aRow, aK, bK, bCol) : "");
            queue.runBetween(name, wide.kernel(), () -> wide.run(program.mem, program.index, m, n,
                    k, a, aRow, aK, b, bK, bCol, c, cRow, inner, aOuter, aInner, bOuter, bInner, cOuter, cInner,
                    epilogue, e0, e1, e2, residualRows, tableStride, alpha, causalA, batches));
            return;
        }
        args(m, n, k, a, aRow, aK, b, bK, bCol, c, cRow, inner, aOuter, aInner, bOuter, bInner, cOuter, cInner,
                epilogue, e0, e1, e2, aZeros);
        program.f0 = alpha;
        queue.flops(flops);
        queue.bytes(4L * batches * ((long) m * k + (long) k * n + (long) m * n));
        program.a25 = batches;
        enqueue(OP_GEMM);
    }

    /**
     * The row splits of a weight gradient whose partial products go to the wide GEMM's program, or 0 where they stay
     * in the main program (which splits for its own 64 x 64 tiles).
     */
    int wideWeightGradientSplits(int rows, int m, int n, int heads) {
        return wide == null ? 0 : wide.weightGradientSplits(rows, m, n, heads);
    }

    /** Whether the fused mLSTM ({@link FusedMlstm}) runs this cell (q [B, S, NH*DH], not empty) here. */
    boolean fusesMlstm(Shape q, int numHeads) {
        long flops = 2L * q.dim(0) * numHeads * q.dim(1) * q.dim(1) * (q.dim(2) / numHeads);
        return fused != null && flops > 0 && fused.takes(q.dim(2) / numHeads, flops);
    }

    /** The fused mLSTM cell now, after the main program's recorded commands (arguments: {@link FusedMlstm#run}). */
    void fusedMlstm(int z, int len, int numHeads, int headDim, int q, int k, int v, int in, int ig, int fg, int gs,
                    int out, int outRow, int scratch, float eps, int[] norm, float normEps) {
        beforeLaunch();
        // q.k and p.v over the causal half: about 2 Z S^2 DH
        queue.flops(2L * z * len * (len + 1) * headDim);
        queue.bytes(4L * z * len * (4L * headDim + 2));
        queue.runBetween(norm == null ? "fused_mlstm" : "fused_mlstm_norm", fused.kernel(),
                () -> fused.run(program.mem, z, len, numHeads, headDim, q, k, v, in, ig, fg, gs, out, outRow, scratch,
                        eps, norm, normEps));
    }

    /** Work-groups of a fused mLSTM launch (its scratch holds 4 S floats for each). */
    int fusedMlstmGroups() {
        return fused.groups();
    }

    /** Launches of the fused mLSTM's own program (0 when it is off). */
    long fusedMlstmLaunches() {
        return fused == null ? 0 : fused.launches();
    }

    void launch1D(int op, int n) {
        if (n == 0) {
            return;
        }
        enqueue(op);
    }

    /** Records the op with the arguments now in the program's fields (see CommandQueue). */
    void enqueue(int op) {
        beforeLaunch();
        queue.enqueue(op);
    }

    /**
     * Before every launch of either program: the instance must be open, and at the first one the arena goes to the
     * device, so data goes through the staging arrays from then on (the first launch creates every device buffer from
     * its host array).
     */
    private void beforeLaunch() {
        if (closed) {
            throw new IllegalStateException("this OpenCL backend instance is closed");
        }
        if (!started) {
            started = true;
            parameterBytes += 4L * persistentTop + 4L * indexTop;
            setupBytes += 4L * (program.mem.length - persistentTop) + 4L * (program.index.length - indexTop)
                    + 4L * (program.stageOut.length + program.stageIndex.length);
            transfers += 2;
        }
    }

    void flush() {
        long before = queue.executes();
        queue.flush();
        if (queue.executes() > before) {
            // Aparapi swaps the buffers of reassigned arrays at an execute: the old arrays may go now
            retired.clear();
        }
    }

    /**
     * Keeps an array the program no longer names reachable until the next execute. aparapi-native refers to a bound
     * array through a weak global reference and releases its OpenCL buffer only when the next execute sees the
     * field changed; on a CPU device that buffer may be the array's own memory (CL_MEM_USE_HOST_PTR). A defence
     * against a rare crash seen on PoCL (docs/SEGMENTATION-NOTES.md), not a proven cause of it.
     */
    void retire(Object array) {
        retired.add(array);
    }

    private final java.util.List<Object> retired = new java.util.ArrayList<>();

    void args(int... values) {
        DeviceProgram p = program;
        int[] v = Arrays.copyOf(values, 23);
        p.a0 = v[0]; p.a1 = v[1]; p.a2 = v[2]; p.a3 = v[3]; p.a4 = v[4]; p.a5 = v[5]; p.a6 = v[6]; p.a7 = v[7];
        p.a8 = v[8]; p.a9 = v[9]; p.a10 = v[10]; p.a11 = v[11]; p.a12 = v[12]; p.a13 = v[13]; p.a14 = v[14];
        p.a15 = v[15]; p.a16 = v[16]; p.a17 = v[17]; p.a18 = v[18]; p.a19 = v[19]; p.a20 = v[20]; p.a21 = v[21];
        p.a22 = v[22];
    }

    private void copyColumns(DeviceTensor x, int start, int count, DeviceTensor out, int outColumn) {
        int n = x.shape().rows() * count;
        args(n, count, x.offset(), x.stride(), start, out.offset(), out.shape().last(), outColumn);
        queue.bytes(8L * n);
        launch1D(OP_COPY_COLUMNS, n);
    }

    void copy(int from, int to, int n) {
        args(n, from, to);
        queue.bytes(8L * n);
        launch1D(OP_COPY, n);
    }

    DeviceTensor allocate(Shape shape) {
        int n = shape.size();
        long end = workspace.endAfter(n);
        DeviceTransfers.ensureCapacity(this, end);
        peakFloats = Math.max(peakFloats, end);
        int slot = workspace.push(n);
        return new DeviceTensor(shape, workspace.offsetOf(slot), slot, workspace.serialOf(slot));
    }

    // ---- checks -----------------------------------------------------------------------------------------------

    /** The tensor, made dense (a column view is copied into a new workspace tensor). */
    DeviceTensor check(String op, Tensor t) {
        DeviceTensor d = checkView(op, t);
        if (!d.isView()) {
            return d;
        }
        DeviceTensor dense = allocate(d.shape());
        copyColumns(d, 0, d.shape().last(), dense, 0);
        return dense;
    }

    /** The tensor as it is, a column view or dense, for ops that read a row stride. */
    DeviceTensor checkView(String op, Tensor t) {
        if (!(t instanceof DeviceTensor d)) {
            throw new IllegalArgumentException(op + ": tensor " + (t == null ? "null" : t.shape())
                    + " does not belong to the OpenCL backend");
        }
        if (d.slot() >= 0 && !workspace.isLive(d.slot(), d.serial())) {
            throw new IllegalStateException(op + ": tensor " + d.shape() + " was released with its workspace (or "
                    + "freed)");
        }
        return d;
    }

    static DeviceIndexTable checkTable(String op, IndexTable t, int cols) {
        if (!(t instanceof DeviceIndexTable d)) {
            throw new IllegalArgumentException(op + ": index table does not belong to the OpenCL backend");
        }
        if (cols > 0 && d.cols() != cols) {
            throw new ShapeMismatchException(op + ": needs a " + cols + "-column index table, got "
                    + d.rows() + "x" + d.cols());
        }
        return d;
    }

    // ---- transformer ops (op codes 40-59) ---------------------------------------------------------------------

    @Override
    public Tensor gelu(Tensor xt) {
        return TransformerDeviceOps.gelu(this, xt);
    }

    @Override
    public Tensor geluBackward(Tensor xt, Tensor dyt) {
        return TransformerDeviceOps.geluBackward(this, xt, dyt);
    }

    @Override
    public Tensor scaleChannels(Tensor xt, Tensor wt) {
        return TransformerDeviceOps.scaleChannels(this, xt, wt);
    }

    @Override
    public Tensor attention(Tensor qt, Tensor kt, Tensor vt, int numHeads, float scale) {
        return TransformerDeviceOps.attention(this, qt, kt, vt, numHeads, scale);
    }

    @Override
    public AttentionGradients attentionBackward(Tensor qt, Tensor kt, Tensor vt, Tensor doutt, int numHeads,
                                                float scale) {
        return TransformerDeviceOps.attentionBackward(this, qt, kt, vt, doutt, numHeads, scale);
    }

}
