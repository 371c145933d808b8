package org.vil4j.opencl;

import com.aparapi.Kernel;

/**
 * The device program's state: op codes, modes and tile sizes (compile-time constants, inherited by
 * {@link DeviceProgram}, so {@code DeviceProgram.OP_GEMM} and {@code import static ...DeviceProgram.*} find them),
 * the arenas, the current command's scalar fields and the @Local tiles. The base of the class chain that
 * DeviceProgram ends (docs/DESIGN.md): fields are package-private because Aparapi ignores private fields of a
 * kernel's superclasses.
 */
abstract class ProgramState extends Kernel {
    // Op codes. Compile-time constants: javac inlines them, so the kernel sees literals.
    static final int OP_COPY_IN = 1;
    static final int OP_COPY_OUT = 2;
    static final int OP_COPY_INDEX_IN = 3;
    static final int OP_GEMM = 4;
    static final int OP_HEADWISE = 5;
    static final int OP_LAYER_NORM = 6;
    static final int OP_ELEMENTWISE = 7;
    static final int OP_GATHER_TOKENS = 8;
    static final int OP_COPY_COLUMNS = 9;
    static final int OP_DEPTHWISE_CONV = 10;
    static final int OP_PATCHIFY = 11;
    static final int OP_TRANSPOSE = 12;
    static final int OP_MLSTM_PREFIX = 13;
    // 14 was the mLSTM row normaliser (now the value GEMM's epilogue, EPI_MLSTM_VALUES_NORM)
    /** Up to COPY_MANY_PAIRS arena copies in one pass (a training step's parameter gradients into their buffers). */
    static final int OP_COPY_MANY = 14;
    static final int OP_COPY = 15;
    // Backward and optimiser ops (dispatched by gradients()).
    static final int OP_REDUCE_COLUMNS = 16;
    static final int OP_GRAD_ELEMENTWISE = 17;
    static final int OP_LAYER_NORM_BACKWARD = 18;
    static final int OP_GATHER_SUM = 19;
    static final int OP_DEPTHWISE_BACKWARD_INPUT = 20;
    static final int OP_DEPTHWISE_WEIGHT_PARTIALS = 21;
    static final int OP_UNPATCHIFY = 22;
    static final int OP_MLSTM_BACKWARD_ROWS = 23;
    static final int OP_MLSTM_ROW_SCAN = 24;
    static final int OP_MLSTM_GATE_GRADIENTS = 25;
    static final int OP_OPTIMISER = 26;
    static final int OP_LINEAR_ROWS = 27;
    static final int OP_CONCAT = 28;
    static final int OP_RESAMPLE_2D = 29;
    // The chunkwise mLSTM (op codes 30-35).
    static final int OP_MLSTM_CHUNK_PREP = 30;
    static final int OP_MLSTM_CHUNK_SCAN = 31;
    static final int OP_MLSTM_CHUNK_ANCHORS = 32;
    static final int OP_MLSTM_CHUNK_KEYS = 33;
    static final int OP_MLSTM_CHUNK_STATES = 34;
    static final int OP_MLSTM_CHUNK_NORM = 35;
    static final int OP_HEADWISE_CONCAT = 36;
    static final int OP_HEADWISE_GATES = 37;
    static final int OP_CONV_HEADWISE_GATES = 38;
    static final int OP_GATE_INPUT_GRADIENTS = 39;
    // Transformer ops (40-59; dispatched by transformerOps()).
    static final int OP_TRANSFORMER_ELEMENTWISE = 40;
    static final int OP_ATTENTION_ROWS = 41;
    static final int OP_ATTENTION_STATS = 42;
    static final int OP_ATTENTION_DQ = 43;
    static final int OP_ATTENTION_DKV = 44;
    // The chunkwise mLSTM backward (60-69; dispatched by mlstmChunkBackward()).
    static final int OP_MLSTM_BACK_ROWS = 60;
    static final int OP_MLSTM_BACK_QUERIES = 61;
    static final int OP_MLSTM_BACK_STATES = 62;
    static final int OP_MLSTM_BACK_COLUMNS = 63;
    static final int OP_MLSTM_BACK_GATES = 64;
    static final int OP_MLSTM_BACK_PAIR_ROWS = 65;
    static final int OP_MLSTM_BACK_PAIRS = 66;
    static final int OP_MLSTM_BACK_CROSS = 67;
    static final int OP_MLSTM_BACK_LAST = 69;
    /** The partial sums of a weight gradient of few output rows (dispatched on its own: beyond the ranges above). */
    static final int OP_WEIGHT_PARTIALS = 70;

    // Transformer element-wise modes.
    static final int TW_GELU = 0;
    static final int TW_GELU_BACKWARD = 1;
    static final int TW_SCALE_CHANNELS = 2;

    // Backward element-wise modes.
    static final int GW_SILU = 0;
    static final int GW_SKIP_GATE = 1;
    static final int GW_SCALE_SAMPLES = 2;
    static final int GW_PLACE_COLUMNS = 3;
    /** target[r][a5 + c] += x[r][c] over n = rows * a4 elements: a2 = target (rows a6 wide), a3 = x. */
    static final int GW_ADD_INTO_COLUMNS = 4;

    // Optimiser modes.
    static final int OPT_ADAMW = 0;
    static final int OPT_SGD = 1;
    static final int OPT_MOVING_AVERAGE = 2;
    /** AdamW over many tensors: a table of (param, grad, m, v, first element) per tensor in the int arena. */
    static final int OPT_ADAMW_MULTI = 3;

    // Element-wise modes.
    static final int EW_ADD = 0;
    static final int EW_MUL = 1;
    static final int EW_SCALE = 2;
    static final int EW_SILU = 3;
    static final int EW_SKIP_GATE = 4;

    // GEMM epilogues.
    static final int EPI_STORE = 0;
    static final int EPI_BIAS = 1;
    static final int EPI_MLSTM_SCORES = 2;
    // 3: the mLSTM value division by a stored normaliser, replaced by EPI_MLSTM_VALUES_NORM
    /** Store C[i][j] for j <= i and 0 above the diagonal (tiles entirely above it are skipped). */
    static final int EPI_CAUSAL = 4;
    /** Chunk scores: C[t][s] * exp(lambda(t, s)) for s <= t; a19 = R at the launch's first row, a23/a24 = rows
     *  between batches (outer) and chunks (inner). */
    static final int EPI_MLSTM_CHUNK_SCORES = 5;
    /** Chunk outputs: (C + sigma_t * readout[t][j]) / norm_t; a19 = R, a20 = read-out, a21 = norm, as above. */
    static final int EPI_MLSTM_CHUNK_VALUES = 6;
    /**
     * x W^T (+ bias a19, or -1) + residual (a20, dense [M, N]): a block's down-projection and residual add. With a
     * row index table at a21 (else -1), row (b, t) of the product goes to row (b, index[t]) of the residual and of C
     * (a23 = product rows a batch, a24 = residual rows a batch; -1 entries are dropped): C may be the residual itself.
     * Without a table, row i adds residual row i mod a23 (a23 = M for a residual of the product's shape; fewer rows
     * repeat, as the position embedding does over a batch).
     */
    static final int EPI_LINEAR_RESIDUAL = 7;
    /**
     * The mLSTM's h = (C v) / norm with the normaliser taken from A's own rows (A = the masked scores): norm_t =
     * max(|sum_s C[t,s]|, exp(-m_t)) + eps, a19 = m per (z, row), f1 = eps. One pass instead of a row-norm pass and
     * a value GEMM.
     */
    static final int EPI_MLSTM_VALUES_NORM = 8;

    /** A GEMM's A with no known zeros. */
    static final int A_DENSE = 0;
    /** A GEMM's A is zero right of its diagonal (A[i][k] = 0 for k > i): a causal matrix. */
    static final int A_LOWER = 1;
    /** A GEMM's A is zero left of its diagonal (A[i][k] = 0 for k < i): a causal matrix read by columns. */
    static final int A_UPPER = 2;

    /** GEMM tile: 16x16 work-items, each computing 4x4 outputs of a 64x64 block; K advances by 16. */
    static final int TILE = 64;
    static final int GROUP = 16;
    static final int KSTEP = 16;
    /**
     * A K row's stride in tileA and tileB: 2 more than TILE, so that a load of A's rows (or B's columns) with K
     * contiguous, which stores 16 K values of each of two rows from one warp, hits 32 banks instead of 2 (stride 64:
     * a 16-way conflict on every tile store).
     */
    static final int TILE_STRIDE = TILE + 2;
    /**
     * Every launch runs over one fixed range: work-groups of WORK_GROUP work-items (the GEMM's 16 x 16), as many
     * groups as fill the device; each op loops over its elements (grid-stride), GEMM tiles and reduced columns by
     * group. So consecutive ops can run as passes of one execute.
     */
    static final int WORK_GROUP = GROUP * GROUP;
    /** Work-items that share one row in the row-wise ops (layer norm, skinny linear): a group holds 8 such rows. */
    static final int ROW_LANES = 32;
    /** The rows (segments of ROW_LANES) a work-group of a row-wise op takes at a time. */
    static final int ROWS_PER_GROUP = WORK_GROUP / ROW_LANES;
    /** Gate outputs the q|k|v + gates pass sums at once (two trees of four); more go the unfused way. */
    static final int GATE_OUTPUTS = 8;
    /** Copies one OP_COPY_MANY command holds: a count and (n, source, destination) triples in a1..a21. */
    static final int COPY_MANY_PAIRS = 7;
    /** Ints of one recorded command: the op code and a0..a27. */
    static final int CMD_INTS = 29;
    /** Floats of one recorded command: f0..f6. */
    static final int CMD_FLOATS = 7;

    /**
     * Adjacent columns a work-group's unit of a many-row column reduction takes (a power of two up to WORK_GROUP),
     * read by as many adjacent work-items so that a load uses more of the 32-byte sector it moves; 1 is a work-group
     * a column (before round 15). {@code -Dvil4j.opencl.columnBlock} (OpenCLOps), set once, read by every launch.
     */
    int columnBlock = 4;
    /** Float arena: parameters at the bottom, the workspace stack above. Never reassigned except to grow. */
    float[] mem;
    /** Int arena: index tables. */
    int[] index;
    /** Staging arrays for host transfers: exactly the size of one transfer, so only that many bytes move. */
    float[] stageIn;
    /** The size of {@link #stageSmall}: 256 KB. */
    static final int SMALL_STAGE = 1 << 16;
    /**
     * Uploads of at most SMALL_STAGE floats go through this fixed array instead, so that a step's small uploads
     * (labels, per-step values) between its large ones (the batch) no longer make Aparapi create stageIn's device
     * buffer anew each time (ViL-T training at batch 128 spent 61 ms a step in its three copy_in launches; its step
     * time after this change stayed within the calls' noise, docs/PERFORMANCE.md round 10).
     */
    float[] stageSmall;
    /**
     * Uploads larger than stageSmall go through this array a chunk at a time ({@code -Dvil4j.opencl.uploadChunkFloats},
     * default 1M floats; 0 leaves it one float long and stages each upload whole through stageIn). Whole, ViL-T's
     * training batch at 128 (77 MB) cost ~90 ms of a 339-345 ms step on the H200; in 4 MiB chunks the step took 287
     * ms (round 15): the time had gone to Aparapi's handling of one large array, not to the bus.
     */
    float[] stageChunk;
    float[] stageOut;
    int[] stageIndex;

    /**
     * Recorded commands, one per pass of a launch: op code and int arguments ({@link #CMD_INTS} each), float
     * arguments ({@link #CMD_FLOATS} each). Each work-item copies its pass's command into the fields below.
     */
    int[] commands;
    float[] commandFloats;

    // The current command: written only by run() from the command arrays (Aparapi's PUTFIELD switch; the
    // generated code keeps these in each work-item's private copy of the kernel struct).
    int op;
    int a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23;
    int a24, a25, a26, a27;
    float f0, f1, f2, f3, f4, f5, f6;

    /** The GEMM's second tile buffer starts here (double-buffered: one barrier a k-step, GemmKernels). */
    static final int TILE_BUFFER = KSTEP * TILE_STRIDE;
    @Local final float[] tileA = new float[2 * TILE_BUFFER];
    @Local final float[] tileB = new float[2 * TILE_BUFFER];
}
