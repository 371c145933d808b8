package org.vil4j.training;

import org.vil4j.api.Tensor;
import org.vil4j.vil.VisionLstm;

import java.util.Map;

/**
 * What {@link Trainer} needs of the model it trains, so that it trains a ViL ({@link VilTrainedModel}) and any
 * backbone plugin's classifier ({@link BackboneTrainedModel}) the same way.
 */
interface TrainedModel {
    /** Logits {@code [B, classes]} of images {@code [B, C, H, W]}, left in the workspace. */
    Tensor logits(Tensor images);

    /** Every weight by state_dict name: what checkpoints and model files hold. */
    Map<String, Tensor> parameters();

    /** The weights the optimiser updates: all but those the model keeps fixed (buffers). */
    Map<String, Tensor> trained();

    /** Top-level blocks (ViL v2: block pairs), for layer-wise learning-rate decay. */
    int blocks();

    /**
     * The ViL under it, or null for a backbone plugin's model: drop-path, recomputed activations and the mLSTM's
     * forms work through the ViL's own structure.
     */
    VisionLstm vil();

    /** How error messages name it, e.g. {@code backbone 'vit' (VisionTransformer)}. */
    String description();
}
