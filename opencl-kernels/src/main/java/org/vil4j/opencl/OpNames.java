package org.vil4j.opencl;

import static org.vil4j.opencl.DeviceProgram.*;

/**
 * Readable names of the device program's op codes (and their modes), for profiles. With
 * {@code -Dvil4j.opencl.profileShapes=true} a GEMM's name also carries its shape and a column reduction its rows and
 * columns, so that a profile tells the products of one op kind apart (round 14: which of a training step's 507 plain
 * products are the slow ones).
 */
final class OpNames {
    static final String SHAPES_PROPERTY = "vil4j.opencl.profileShapes";

    private static final String[] OPS = new String[128];
    private static final String[] EPILOGUES = {"store", "bias", "mlstm_scores", "(unused)", "causal",
            "mlstm_chunk_scores", "mlstm_chunk_values", "bias_residual", "mlstm_values"};
    private static final String[] ELEMENTWISE = {"add", "mul", "scale", "silu", "skip_gate"};
    private static final String[] GRAD_ELEMENTWISE = {"silu_backward", "skip_gate_backward", "scale_samples",
            "place_columns", "add_into_columns"};
    private static final String[] TRANSFORMER_ELEMENTWISE = {"gelu", "gelu_backward", "scale_channels"};
    private static final String[] OPTIMISER = {"adamw", "sgd", "moving_average", "adamw_all"};

    static {
        OPS[OP_COPY_IN] = "copy_in";
        OPS[OP_COPY_OUT] = "copy_out";
        OPS[OP_COPY_INDEX_IN] = "copy_index_in";
        OPS[OP_GEMM] = "gemm";
        OPS[OP_WEIGHT_PARTIALS] = "weight_partials";
        OPS[OP_HEADWISE] = "headwise_linear";
        OPS[OP_LAYER_NORM] = "layer_norm";
        OPS[OP_ELEMENTWISE] = "elementwise";
        OPS[OP_GATHER_TOKENS] = "gather_tokens";
        OPS[OP_COPY_COLUMNS] = "copy_columns";
        OPS[OP_DEPTHWISE_CONV] = "depthwise_conv";
        OPS[OP_PATCHIFY] = "patchify";
        OPS[OP_TRANSPOSE] = "transpose";
        OPS[OP_MLSTM_PREFIX] = "mlstm_prefix";
        OPS[OP_COPY] = "copy";
        OPS[OP_COPY_MANY] = "copy_many";
        OPS[OP_REDUCE_COLUMNS] = "reduce_columns";
        OPS[OP_GRAD_ELEMENTWISE] = "grad_elementwise";
        OPS[OP_LAYER_NORM_BACKWARD] = "layer_norm_backward";
        OPS[OP_GATHER_SUM] = "gather_sum";
        OPS[OP_DEPTHWISE_BACKWARD_INPUT] = "depthwise_backward_input";
        OPS[OP_DEPTHWISE_WEIGHT_PARTIALS] = "depthwise_weight_partials";
        OPS[OP_UNPATCHIFY] = "unpatchify";
        OPS[OP_MLSTM_BACKWARD_ROWS] = "mlstm_backward_rows";
        OPS[OP_MLSTM_ROW_SCAN] = "mlstm_row_scan";
        OPS[OP_MLSTM_GATE_GRADIENTS] = "mlstm_gate_gradients";
        OPS[OP_GATE_INPUT_GRADIENTS] = "gate_input_gradients";
        OPS[OP_OPTIMISER] = "optimiser";
        OPS[OP_LINEAR_ROWS] = "linear_rows";
        OPS[OP_CONCAT] = "concat";
        OPS[OP_RESAMPLE_2D] = "resample2d";
        OPS[OP_MLSTM_CHUNK_PREP] = "mlstm_chunk_prep";
        OPS[OP_MLSTM_CHUNK_SCAN] = "mlstm_chunk_scan";
        OPS[OP_MLSTM_CHUNK_ANCHORS] = "mlstm_chunk_anchors";
        OPS[OP_MLSTM_CHUNK_KEYS] = "mlstm_chunk_keys";
        OPS[OP_MLSTM_CHUNK_STATES] = "mlstm_chunk_states";
        OPS[OP_MLSTM_CHUNK_NORM] = "mlstm_chunk_norm";
        OPS[OP_HEADWISE_CONCAT] = "headwise_concat";
        OPS[OP_HEADWISE_GATES] = "headwise_gates";
        OPS[OP_CONV_HEADWISE_GATES] = "conv_headwise_gates";
        OPS[OP_ATTENTION_ROWS] = "attention_rows";
        OPS[OP_ATTENTION_STATS] = "attention_stats";
        OPS[OP_ATTENTION_DQ] = "attention_dq";
        OPS[OP_ATTENTION_DKV] = "attention_dkv";
        OPS[OP_MLSTM_BACK_ROWS] = "mlstm_back_rows";
        OPS[OP_MLSTM_BACK_QUERIES] = "mlstm_back_queries";
        OPS[OP_MLSTM_BACK_STATES] = "mlstm_back_states";
        OPS[OP_MLSTM_BACK_COLUMNS] = "mlstm_back_columns";
        OPS[OP_MLSTM_BACK_GATES] = "mlstm_back_gates";
        OPS[OP_MLSTM_BACK_PAIR_ROWS] = "mlstm_back_pair_rows";
        OPS[OP_MLSTM_BACK_PAIRS] = "mlstm_back_pairs";
        OPS[OP_MLSTM_BACK_CROSS] = "mlstm_back_cross";
    }

    private OpNames() {
    }

    /** The op's name, with its mode where one op code covers several (GEMM epilogues, element-wise modes). */
    static String of(DeviceProgram p) {
        int op = p.op;
        String base = op >= 0 && op < OPS.length && OPS[op] != null ? OPS[op] : "op" + op;
        if (op == OP_GEMM) {
            String name = base + "/" + pick(EPILOGUES, p.a18);
            return shapes() ? name + " " + gemmShape(p.a0, p.a1, p.a2, p.a25, p.a4, p.a5, p.a7, p.a8) : name;
        }
        if (op == OP_WEIGHT_PARTIALS && shapes()) {
            // m x n outputs a head, over rows, for heads (a0 = chunks * heads * m * n)
            return base + " " + p.a1 + "x" + p.a2 + "x" + p.a3 + (p.a12 > 1 ? "x" + p.a12 : "") + " in "
                    + p.a0 / Math.max(1, p.a12 * p.a1 * p.a2) + " chunks";
        }
        if (op == OP_REDUCE_COLUMNS && shapes()) {
            return base + " " + p.a1 + "x" + p.a0 + (p.a8 > 0 ? " + " + p.a9 + "x" + p.a8 : "");
        }
        if (op == OP_ELEMENTWISE) {
            return pick(ELEMENTWISE, p.a1);
        }
        if (op == OP_GRAD_ELEMENTWISE) {
            return pick(GRAD_ELEMENTWISE, p.a1);
        }
        if (op == OP_TRANSFORMER_ELEMENTWISE) {
            return pick(TRANSFORMER_ELEMENTWISE, p.a1);
        }
        if (op == OP_OPTIMISER) {
            return pick(OPTIMISER, p.a1);
        }
        return base;
    }

    /** Whether names carry shapes (read at each name: profiles only). */
    static boolean shapes() {
        return Boolean.getBoolean(SHAPES_PROPERTY);
    }

    /**
     * "MxNxK" (and "xB" for batches), with "A^T" when A is read by columns (a weight gradient's dy) and "B^T" when B is
     * (a projection's weight).
     */
    static String gemmShape(int m, int n, int k, int batches, int aRow, int aK, int bK, int bCol) {
        return m + "x" + n + "x" + k + (batches > 1 ? "x" + batches : "") + (aRow == 1 && aK != 1 ? " A^T" : "")
                + (bK == 1 && bCol != 1 ? " B^T" : "");
    }

    private static String pick(String[] names, int mode) {
        return mode >= 0 && mode < names.length ? names[mode] : "mode" + mode;
    }
}
