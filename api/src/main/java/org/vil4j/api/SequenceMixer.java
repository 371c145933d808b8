package org.vil4j.api;

/**
 * A sequence mixer plugin: the layer at the heart of a sub-block, which mixes the tokens along the sequence. The
 * plugin owns its layer: {@link #layer} gives the parameters it declares (state_dict names relative to the place the
 * backbone puts the layer, and shapes), their initial values and the forward composed of {@link Ops} (a
 * {@link org.vil4j.api.autodiff.GradientTape} gives the backward). The backbone adds norm, traversal order and
 * residual around it. The reference mixer is "mlstm" (ViL's mLSTM layer, names {@code proj_up.*}, ...,
 * {@code mlstm_cell.*}, {@code proj_down.*}).
 */
public interface SequenceMixer {
    /** Stable lower-case name recorded in configurations and saved models. */
    String name();

    /** One line for {@code vil plugins}. */
    String description();

    /** The layer for blocks of {@code spec}'s width and options. */
    MixerLayer layer(MixerSpec spec);
}
