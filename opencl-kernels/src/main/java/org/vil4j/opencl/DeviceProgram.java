package org.vil4j.opencl;

/**
 * The whole device program: one Aparapi kernel whose {@code run()} dispatches on {@link #op} to one operation.
 *
 * <p>Why one kernel: Aparapi always builds the entry point {@code run}, and device buffers belong to one Kernel
 * instance (shared/docs/APARAPI.md). Tensors stay on the device only if every operation runs in the same instance,
 * reading and writing offsets into the same never-reassigned arena arrays. Scalar arguments travel in int/float
 * fields, which Aparapi passes as kernel arguments on every launch.
 *
 * <p>One op family a file: Aparapi translates whatever {@code run()} reaches in the kernel's superclasses too, so the
 * program is a chain of package-private abstract classes, each adding one family's methods: {@link ProgramState}
 * (constants, arenas, command fields, @Local tiles) &lt; TransferKernels &lt; ElementwiseKernels &lt; TokenKernels &lt;
 * ConvolutionKernels &lt; HeadwiseKernels &lt; RowKernels &lt; MlstmParallelKernels &lt; MlstmChunkKernels &lt;
 * MlstmChunkBackwardKernels &lt; GemmKernels &lt; BackwardKernels &lt; OptimiserKernels &lt; TransformerKernels &lt;
 * DeviceProgram (the dispatch). A family may call only families above it (docs/DESIGN.md).
 *
 * <p>This class is written in Aparapi's kernel subset: no objects, no break/continue, no switch, no overloading.
 */
final class DeviceProgram extends TransformerKernels {

    DeviceProgram(int memFloats, int indexInts, int commandCapacity, int uploadChunkFloats) {
        commands = new int[commandCapacity * CMD_INTS];
        commandFloats = new float[commandCapacity * CMD_FLOATS];
        mem = new float[memFloats];
        index = new int[indexInts];
        stageIn = new float[1];
        stageSmall = new float[SMALL_STAGE];
        stageChunk = new float[Math.max(1, uploadChunkFloats)];
        stageOut = new float[1];
        stageIndex = new int[1];
    }

    @Override
    public void run() {
        int c = getPassId() * CMD_INTS;
        op = commands[c];
        a0 = commands[c + 1]; a1 = commands[c + 2]; a2 = commands[c + 3]; a3 = commands[c + 4];
        a4 = commands[c + 5]; a5 = commands[c + 6]; a6 = commands[c + 7]; a7 = commands[c + 8];
        a8 = commands[c + 9]; a9 = commands[c + 10]; a10 = commands[c + 11]; a11 = commands[c + 12];
        a12 = commands[c + 13]; a13 = commands[c + 14]; a14 = commands[c + 15]; a15 = commands[c + 16];
        a16 = commands[c + 17]; a17 = commands[c + 18]; a18 = commands[c + 19]; a19 = commands[c + 20];
        a20 = commands[c + 21]; a21 = commands[c + 22]; a22 = commands[c + 23]; a23 = commands[c + 24];
        a24 = commands[c + 25]; a25 = commands[c + 26]; a26 = commands[c + 27]; a27 = commands[c + 28];
        int cf = getPassId() * CMD_FLOATS;
        f0 = commandFloats[cf]; f1 = commandFloats[cf + 1]; f2 = commandFloats[cf + 2];
        f3 = commandFloats[cf + 3]; f4 = commandFloats[cf + 4]; f5 = commandFloats[cf + 5];
        f6 = commandFloats[cf + 6];
        dispatch();
    }

    private void dispatch() {
        if (op == OP_GEMM) {
            gemm();
        } else if (op == OP_ELEMENTWISE) {
            elementwise();
        } else if (op == OP_LAYER_NORM) {
            layerNorm();
        } else if (op == OP_HEADWISE) {
            headwise();
        } else if (op == OP_GATHER_TOKENS) {
            gatherTokens();
        } else if (op == OP_COPY_COLUMNS) {
            copyColumns();
        } else if (op == OP_DEPTHWISE_CONV) {
            depthwiseConv();
        } else if (op == OP_MLSTM_PREFIX) {
            mlstmPrefix();
        } else if (op == OP_PATCHIFY) {
            patchify();
        } else if (op == OP_TRANSPOSE) {
            transpose();
        } else if (op == OP_COPY) {
            copy();
        } else if (op == OP_COPY_MANY) {
            copyMany();
        } else if (op == OP_COPY_IN) {
            copyIn();
        } else if (op == OP_COPY_OUT) {
            copyOut();
        } else if (op == OP_COPY_INDEX_IN) {
            copyIndexIn();
        } else if (op == OP_LINEAR_ROWS) {
            linearRows();
        } else if (op == OP_CONCAT) {
            concat();
        } else if (op == OP_RESAMPLE_2D) {
            resample2d();
        } else if (op >= OP_MLSTM_CHUNK_PREP && op <= OP_MLSTM_CHUNK_NORM) {
            mlstmChunks();
        } else if (op == OP_HEADWISE_CONCAT) {
            headwiseConcat();
        } else if (op == OP_HEADWISE_GATES) {
            headwiseGates();
        } else if (op == OP_CONV_HEADWISE_GATES) {
            convHeadwiseGates();
        } else if (op == OP_GATE_INPUT_GRADIENTS) {
            gateInputGradients();
        } else if (op == OP_WEIGHT_PARTIALS) {
            weightPartials();
        } else if (op >= OP_MLSTM_BACK_ROWS && op <= OP_MLSTM_BACK_LAST) {
            mlstmChunkBackward();
        } else if (op >= OP_TRANSFORMER_ELEMENTWISE) {
            transformerOps();
        } else if (op >= OP_REDUCE_COLUMNS) {
            gradients();
        }
    }

    /** The backward passes and optimiser updates (op codes from OP_REDUCE_COLUMNS on). */
    private void gradients() {
        if (op == OP_REDUCE_COLUMNS) {
            reduceColumns();
        } else if (op == OP_GRAD_ELEMENTWISE) {
            gradElementwise();
        } else if (op == OP_LAYER_NORM_BACKWARD) {
            layerNormBackward();
        } else if (op == OP_GATHER_SUM) {
            gatherSum();
        } else if (op == OP_DEPTHWISE_BACKWARD_INPUT) {
            depthwiseBackwardInput();
        } else if (op == OP_DEPTHWISE_WEIGHT_PARTIALS) {
            depthwiseWeightPartials();
        } else if (op == OP_UNPATCHIFY) {
            unpatchify();
        } else if (op == OP_MLSTM_BACKWARD_ROWS) {
            mlstmBackwardRows();
        } else if (op == OP_MLSTM_ROW_SCAN) {
            mlstmRowScan();
        } else if (op == OP_MLSTM_GATE_GRADIENTS) {
            mlstmGateGradients();
        } else if (op == OP_OPTIMISER) {
            optimiser();
        }
    }
}
