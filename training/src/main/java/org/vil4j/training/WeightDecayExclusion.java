package org.vil4j.training;

import org.vil4j.api.Shape;

/** Which parameters are kept out of weight decay. */
public enum WeightDecayExclusion {
    /** Nothing excluded. */
    NONE,
    /** The reference's {@code no_weight_decay()}: the position embedding only. */
    POS_EMBED,
    /** The usual practice: the position embedding, every bias and every vector (norm weights, learnable skips). */
    POS_EMBED_BIAS_NORM;

    public boolean excludes(String name, Shape shape) {
        boolean posEmbed = name.equals("pos_embed.embed");
        return switch (this) {
            case NONE -> false;
            case POS_EMBED -> posEmbed;
            case POS_EMBED_BIAS_NORM -> posEmbed || name.endsWith(".bias") || shape.rank() <= 1;
        };
    }

    public static WeightDecayExclusion parse(String text) {
        return switch (text) {
            case "none" -> NONE;
            case "pos_embed", "reference" -> POS_EMBED;
            case "pos_embed,bias,norm", "usual" -> POS_EMBED_BIAS_NORM;
            default -> throw new IllegalArgumentException("weight-decay exclusion must be none, reference (pos_embed) "
                    + "or usual (pos_embed,bias,norm), got " + text);
        };
    }
}
